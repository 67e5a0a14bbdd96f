import Yams

/// A YAML value with the file and field path it came from, so every configuration mistake is
/// reported as `file:line: field 'a.b': what is wrong`.
struct ConfigNode {
    let node: Node
    let file: String
    let path: String

    static func load(yaml: String, file: String) throws(ConfigurationError) -> ConfigNode? {
        do {
            guard let node = try Yams.compose(yaml: yaml) else { return nil }
            return ConfigNode(node: node, file: file, path: "")
        } catch {
            throw ConfigurationError("\(file): invalid YAML: \(error)")
        }
    }

    func error(_ what: String) -> ConfigurationError {
        let line = node.mark.map { ":\($0.line)" } ?? ""
        let field = path.isEmpty ? "" : " field '\(path)':"
        return ConfigurationError("\(file)\(line):\(field) \(what)")
    }

    /// The members of a mapping, refusing keys outside `allowed` (a typo is an error, not a
    /// silently ignored setting).
    func members(allowed: Set<String>) throws(ConfigurationError) -> [String: ConfigNode] {
        guard let mapping = node.mapping else { throw error("expected a mapping") }
        var out: [String: ConfigNode] = [:]
        for (k, v) in mapping {
            guard let key = k.string else { throw error("keys must be strings") }
            let child = ConfigNode(node: v, file: file, path: path.isEmpty ? key : "\(path).\(key)")
            guard allowed.contains(key) else {
                // Point at the key's line: a block value starts on the next one.
                throw ConfigNode(node: k, file: file, path: child.path)
                    .error("unknown field (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
            out[key] = child
        }
        return out
    }

    /// A mapping with free-form keys (topic names, API keys).
    func entries() throws(ConfigurationError) -> [(String, ConfigNode)] {
        guard let mapping = node.mapping else { throw error("expected a mapping") }
        var out: [(String, ConfigNode)] = []
        for (k, v) in mapping {
            guard let key = k.string else { throw error("keys must be strings") }
            out.append((key, ConfigNode(node: v, file: file, path: path.isEmpty ? key : "\(path).\(key)")))
        }
        return out
    }

    func string() throws(ConfigurationError) -> String {
        guard node.scalar != nil, let s = node.string else { throw error("expected a string") }
        return s
    }

    func bool() throws(ConfigurationError) -> Bool {
        guard let b = node.bool else { throw error("expected true or false") }
        return b
    }

    func int(min: Int = Int.min) throws(ConfigurationError) -> Int {
        guard let i = node.int else { throw error("expected an integer") }
        guard i >= min else { throw error("must be at least \(min)") }
        return i
    }

    /// A duration: finite, from 0 to 2^32 − 1 seconds (136 years; LiveKit's 32-bit limit).
    func seconds() throws(ConfigurationError) -> Double {
        guard let d = node.float ?? node.int.map(Double.init), d.isFinite, d >= 0, d <= Double(UInt32.max) else {
            throw error("expected a number of seconds from 0 to \(UInt32.max)")
        }
        return d
    }

    func strings() throws(ConfigurationError) -> [String] {
        guard let seq = node.sequence else { throw error("expected a list of strings") }
        var out: [String] = []
        for (i, n) in seq.enumerated() {
            let child = ConfigNode(node: n, file: file, path: "\(path)[\(i)]")
            out.append(try child.string())
        }
        return out
    }
}
