/// `ws://HOST:PORT[/prefix]`: where a bot or worker finds the server. Plain WebSockets only
/// (put TLS in front with a proxy, as the server itself does).
public struct ServerURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Path prefix the server is mounted under (usually empty).
    public var prefix: String

    public init(host: String, port: Int, prefix: String = "") {
        self.host = host
        self.port = port
        self.prefix = prefix
    }

    public init?(_ text: String) {
        var rest = Substring(text)
        if rest.hasPrefix("ws://") {
            rest = rest.dropFirst(5)
        } else if rest.hasPrefix("http://") {
            rest = rest.dropFirst(7)
        } else if rest.contains("://") {
            return nil
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var prefix = String(rest[slash...])
        while prefix.hasSuffix("/") { prefix.removeLast() }
        let authority = rest[..<slash]
        let host: Substring
        let port: Int
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = authority[..<colon]
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
        } else {
            host = authority
            port = 80
        }
        guard !host.isEmpty else { return nil }
        self.init(host: String(host.filter { $0 != "[" && $0 != "]" }), port: port, prefix: prefix)
    }

    public var description: String { "ws://\(host):\(port)\(prefix)" }
}
