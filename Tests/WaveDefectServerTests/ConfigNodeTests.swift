import Testing
@testable import WaveDefectServer

/// `ConfigNode`, value by value: every typed read, and the exact `file:line: field 'path':`
/// message of every mistake (users fix their files from these messages).
@Suite struct ConfigNodeTests {
    func node(_ yaml: String) throws -> ConfigNode {
        try #require(try ConfigNode.load(yaml: yaml, file: "conf.yaml"))
    }

    /// The message a read throws, or nil when it succeeds.
    func message<T>(_ read: () throws -> T) -> String? {
        do {
            _ = try read()
            return nil
        } catch let error as ConfigurationError {
            return error.message
        } catch {
            return "not a ConfigurationError: \(error)"
        }
    }

    func message<T>(_ node: ConfigNode, _ read: (ConfigNode) throws -> T) -> String? {
        message { try read(node) }
    }

    @Test func emptyDocumentIsNil() throws {
        #expect(try ConfigNode.load(yaml: "", file: "conf.yaml") == nil)
        #expect(try ConfigNode.load(yaml: "# only a comment\n", file: "conf.yaml") == nil)
    }

    @Test func invalidYAMLNamesTheFile() {
        let m = message { try ConfigNode.load(yaml: "a: [1, 2\nb: 3\n", file: "conf.yaml") }
        #expect(m?.hasPrefix("conf.yaml: invalid YAML: ") == true, "\(m ?? "no error")")
    }

    @Test func membersNestPathsAndRefuseUnknownKeys() throws {
        let root = try node("limits:\n  max_frame_bytes: 4096\n  typo_bytes: 1\nport: 7880\n")
        let top = try root.members(allowed: ["limits", "port"])
        #expect(Set(top.keys) == ["limits", "port"])
        #expect(try top["port"]?.int() == 7880)
        let limits = try #require(top["limits"])
        #expect(limits.path == "limits")
        #expect(message { try limits.members(allowed: ["max_frame_bytes"]) }
            == "conf.yaml:3: field 'limits.typo_bytes': unknown field (expected one of: max_frame_bytes)")
        let both = try limits.members(allowed: ["typo_bytes", "max_frame_bytes"])
        #expect(both["max_frame_bytes"]?.path == "limits.max_frame_bytes")
        #expect(message { try root.members(allowed: ["port"]) }
            == "conf.yaml:1: field 'limits': unknown field (expected one of: port)")
        #expect(message { try root.members(allowed: ["port", "limits", "host"]) } == nil)
        // The allowed list is printed sorted, so the message is stable.
        #expect(message { try root.members(allowed: ["port", "b", "a"]) }
            == "conf.yaml:1: field 'limits': unknown field (expected one of: a, b, port)")
    }

    @Test func membersOfANonMapping() throws {
        #expect(try message(node("- a\n- b\n")) { try $0.members(allowed: []) } == "conf.yaml:1: expected a mapping")
        let top = try node("limits: 5\n").members(allowed: ["limits"])
        #expect(message { try top["limits"]!.members(allowed: []) } == "conf.yaml:1: field 'limits': expected a mapping")
        #expect(try message(node("[1]: x\n")) { try $0.members(allowed: []) } == "conf.yaml:1: keys must be strings")
    }

    @Test func entriesKeepFileOrderAndPaths() throws {
        let topics = try node("topics:\n  zeta: {}\n  alpha: {}\n  mid: {}\n").members(allowed: ["topics"])["topics"]!
        let entries = try topics.entries()
        #expect(entries.map(\.0) == ["zeta", "alpha", "mid"])
        #expect(entries.map(\.1.path) == ["topics.zeta", "topics.alpha", "topics.mid"])
        #expect(try message(node("x\n")) { try $0.entries() } == "conf.yaml:1: expected a mapping")
    }

    func field(_ value: String) throws -> ConfigNode {
        try #require(try node("v: \(value)\n").members(allowed: ["v"])["v"])
    }

    @Test func strings() throws {
        #expect(try field("hello").string() == "hello")
        #expect(try field("\"quoted: yes\"").string() == "quoted: yes")
        #expect(try field("42").string() == "42", "a scalar is read as written")
        #expect(try message(field("[a]")) { try $0.string() } == "conf.yaml:1: field 'v': expected a string")
        #expect(try message(field("{a: 1}")) { try $0.string() } == "conf.yaml:1: field 'v': expected a string")
    }

    @Test func bools() throws {
        #expect(try field("true").bool() == true)
        #expect(try field("false").bool() == false)
        for bad in ["maybe", "1", "[true]"] {
            #expect(try message(field(bad)) { try $0.bool() } == "conf.yaml:1: field 'v': expected true or false", "\(bad)")
        }
    }

    @Test func ints() throws {
        #expect(try field("12").int() == 12)
        #expect(try field("-3").int() == -3)
        #expect(try field("0").int(min: 0) == 0)
        #expect(try message(field("-1")) { try $0.int(min: 0) } == "conf.yaml:1: field 'v': must be at least 0")
        #expect(try message(field("125")) { try $0.int(min: 126) } == "conf.yaml:1: field 'v': must be at least 126")
        for bad in ["1.5", "lots", "\"\"", "[1]"] {
            #expect(try message(field(bad)) { try $0.int() } == "conf.yaml:1: field 'v': expected an integer", "\(bad)")
        }
    }

    @Test func seconds() throws {
        #expect(try field("1.5").seconds() == 1.5)
        #expect(try field("2").seconds() == 2)
        #expect(try field("0").seconds() == 0)
        #expect(try field("4294967295").seconds() == 4_294_967_295)
        for bad in ["-1", "-0.5", "4294967296", "1e300", ".inf", ".nan", "soon", "[1]"] {
            #expect(try message(field(bad)) { try $0.seconds() } == "conf.yaml:1: field 'v': expected a number of seconds from 0 to 4294967295", "\(bad)")
        }
    }

    @Test func stringLists() throws {
        #expect(try field("[a, b]").strings() == ["a", "b"])
        #expect(try field("[]").strings() == [])
        #expect(try node("v:\n  - x\n  - y\n").members(allowed: ["v"])["v"]!.strings() == ["x", "y"])
        #expect(try message(field("a")) { try $0.strings() } == "conf.yaml:1: field 'v': expected a list of strings")
        #expect(try message(node("v:\n  - x\n  - [y]\n").members(allowed: ["v"])["v"]!) { try $0.strings() }
            == "conf.yaml:3: field 'v[1]': expected a string")
    }

    @Test func errorsPointAtTheLineOfTheValue() throws {
        let m = try node("a: 1\n\n\nb:\n  c: x\n").members(allowed: ["a", "b"])
        let c = try m["b"]!.members(allowed: ["c"])["c"]!
        #expect(message { try c.int() } == "conf.yaml:5: field 'b.c': expected an integer")
    }
}
