/// HTTPS and wss:// on the server's own port (README#tls). Flags `--tls-cert`, `--tls-key`,
/// `--dev-tls`, `--tls-handshake-timeout` and `--http-redirect-port`; config section:
///
///     tls:
///       cert: /etc/wavedefect/fullchain.pem   # leaf first, then intermediates
///       key: /etc/wavedefect/privkey.pem
///       handshake_timeout: 10                 # seconds
///       redirect_port: 80                     # plain HTTP that only redirects
public struct TLSSettings: Sendable, Equatable {
    /// PEM certificate chain; with `key`, the port speaks TLS only.
    public var certificate: String?
    public var key: String?
    /// Dev mode: make (or reuse) a self-signed certificate for 127.0.0.1 under the data
    /// directory instead of reading `cert`/`key`.
    public var devCertificate = false
    /// Seconds a client has to finish the TLS handshake after connecting.
    public var handshakeTimeout: Double = 10
    /// A plain-HTTP port whose every answer is a 308 to the https:// URL (0 picks a free one).
    public var redirectPort: Int?

    public init() {}

    public var isEnabled: Bool { certificate != nil || devCertificate }

    static let fields: Set<String> = ["cert", "key", "handshake_timeout", "redirect_port"]

    mutating func apply(_ m: [String: ConfigNode]) throws(ConfigurationError) {
        guard let section = m["tls"] else { return }
        let t = try section.members(allowed: Self.fields)
        if let v = t["cert"] { certificate = try v.string() }
        if let v = t["key"] { key = try v.string() }
        if let v = t["handshake_timeout"] { handshakeTimeout = try v.seconds() }
        if let v = t["redirect_port"] { redirectPort = try v.int(min: 0) }
    }

    func validate(dev: Bool, port: Int) throws(ConfigurationError) {
        if (certificate == nil) != (key == nil) {
            throw ConfigurationError(certificate == nil ? "tls.key is set but tls.cert is not (--tls-cert)" : "tls.cert is set but tls.key is not (--tls-key)")
        }
        if devCertificate && !dev { throw ConfigurationError("--dev-tls makes a self-signed certificate for the dev mode only; pass --dev, or --tls-cert and --tls-key") }
        if devCertificate && certificate != nil { throw ConfigurationError("--dev-tls and tls.cert both given; use one") }
        guard handshakeTimeout.isFinite, (0.1...3600).contains(handshakeTimeout) else {
            throw ConfigurationError("tls.handshake_timeout: \(handshakeTimeout) is not in 0.1...3600")
        }
        if let redirectPort {
            guard isEnabled else { throw ConfigurationError("tls.redirect_port needs TLS (--tls-cert and --tls-key, or --dev-tls)") }
            guard (0...65535).contains(redirectPort) else { throw ConfigurationError("tls.redirect_port: \(redirectPort) is not in 0...65535") }
            if redirectPort == port && port != 0 { throw ConfigurationError("tls.redirect_port: \(redirectPort) is the TLS port itself") }
        }
    }

    /// Where `--dev-tls` keeps its pair: `tls/` next to the database (`data/tls/` by default).
    static func devPaths(databasePath: String) -> (certificate: String, key: String) {
        let directory = databasePath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let base = (directory.isEmpty ? "." : directory) + "/tls"
        return ("\(base)/dev-cert.pem", "\(base)/dev-key.pem")
    }
}
