import LoopWebSocketClient
import TLSCore

/// `ws://HOST:PORT[/prefix]` or `wss://HOST:PORT[/prefix]`: where a bot or worker finds the
/// server. `wss://` (and `https://`) connect over TLS and verify the server's certificate
/// and name against `caFile`, or the system's trusted roots when it is nil.
public struct ServerURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Path prefix the server is mounted under (usually empty).
    public var prefix: String
    /// TLS (wss://).
    public var isSecure: Bool
    /// PEM file of the roots that verify the server (`--tls-ca`); nil: the system's store.
    public var caFile: String?

    public init(host: String, port: Int, prefix: String = "", isSecure: Bool = false, caFile: String? = nil) {
        self.host = host
        self.port = port
        self.prefix = prefix
        self.isSecure = isSecure
        self.caFile = caFile
    }

    public init?(_ text: String, caFile: String? = nil) {
        var rest = Substring(text)
        var secure = false
        if rest.hasPrefix("ws://") {
            rest = rest.dropFirst(5)
        } else if rest.hasPrefix("http://") {
            rest = rest.dropFirst(7)
        } else if rest.hasPrefix("wss://") {
            rest = rest.dropFirst(6)
            secure = true
        } else if rest.hasPrefix("https://") {
            rest = rest.dropFirst(8)
            secure = true
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
            port = secure ? 443 : 80
        }
        guard !host.isEmpty else { return nil }
        self.init(host: String(host.filter { $0 != "[" && $0 != "]" }), port: port, prefix: prefix, isSecure: secure, caFile: caFile)
    }

    public var description: String { "\(isSecure ? "wss" : "ws")://\(host):\(port)\(prefix)" }

    /// A client for `path` on this server, over TLS for wss://. A CA file that does not load
    /// makes a client whose `start` fails with the reason.
    public func makeClient(path: String) -> LoopWebSocketClient {
        guard isSecure else { return LoopWebSocketClient(host: host, port: port, path: path) }
        do {
            return LoopWebSocketClient(host: host, port: port, path: path, tls: try TLSContext.client(caFile: caFile))
        } catch {
            return LoopWebSocketClient(host: host, port: port, path: path, failure: error.message)
        }
    }

    /// Checks that the CA file loads (commands call it once at start-up, for a clear error).
    public func checkTLS() throws(TLSError) {
        if isSecure { _ = try TLSContext.client(caFile: caFile) }
    }
}
