import EventLoop
import HTTPCore
import Logging
import TLSCore

/// HTTPS and wss:// (README#tls): the certificate, its reload on SIGHUP, encryption of each
/// accepted connection and the plain-HTTP port that only redirects.
extension WaveDefectServer {
    /// The context the configuration asks for (the dev certificate made or reused first),
    /// or nil without TLS. Every problem is one line naming the file and what is wrong.
    static func loadTLSContext(_ configuration: ServerConfiguration, logger: Logger) throws(ConfigurationError) -> TLSContext? {
        let settings = configuration.tls
        guard settings.isEnabled else { return nil }
        var certificate = settings.certificate ?? ""
        var key = settings.key ?? ""
        do {
            if settings.devCertificate {
                (certificate, key) = TLSSettings.devPaths(databasePath: configuration.databasePath)
                let made = try SelfSignedCertificate.ensure(certificate: certificate, key: key)
                logger.notice(made ? "dev TLS certificate written" : "dev TLS certificate reused", metadata: [
                    "cert": "\(certificate)", "names": "\(SelfSignedCertificate.subjectAltNames)",
                ])
            }
            return try TLSContext.server(certificate: certificate, key: key)
        } catch {
            throw ConfigurationError(error.message)
        }
    }

    /// SIGHUP: reads the certificate and key again. New connections get the new pair; open
    /// ones keep the session they have. A pair that does not load leaves the old one in place.
    func reloadTLS() {
        guard configuration.tls.isEnabled else {
            logger.notice("SIGHUP: TLS is not configured, nothing to reload")
            return
        }
        do {
            let context = try Self.loadTLSContext(configuration, logger: logger)
            tlsContext = context
            stats.tlsReloads += 1
            logger.notice("TLS certificate reloaded", metadata: [
                "subject": "\(context?.certificate?.subject ?? "?")", "not_after": "\(context?.certificate?.notAfter ?? "?")",
            ])
        } catch {
            stats.tlsReloadFailures += 1
            logger.error("TLS certificate not reloaded, keeping the current one", metadata: ["error": "\(error)"])
        }
    }

    /// Puts an accepted connection under TLS when the server speaks it; false when the
    /// session could not be made (out of memory) and the connection must be dropped.
    func secure(_ tcp: TCPConnection) -> Bool {
        guard let tlsContext else { return true }
        do {
            tcp.startTLS(try TLSConnection(context: tlsContext))
            return true
        } catch {
            logger.error("TLS session not created", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Opens the plain-HTTP port that answers every request with a redirect to https://.
    func startRedirectListener(tlsPort: Int) throws {
        guard let port = configuration.tls.redirectPort else { return }
        let listener = try TCPListener(loop: loop, host: configuration.host, port: port) { [unowned self] tcp in
            self.accept(tcp, redirectingTo: tlsPort)
        }
        redirectListener = listener
        logger.notice("redirecting plain HTTP to https", metadata: ["port": "\(listener.port)", "to": "\(tlsPort)"])
    }

    /// `308 Permanent Redirect` (the method and body are kept, unlike 301) to the same host
    /// and target on the TLS port. The host comes from the request when it is a plain host
    /// name or address, else from the configuration.
    static func redirect(_ request: HTTPRequest, tlsPort: Int, configuredHost: String) -> HTTPResponse {
        let host = request.headers.first("Host").flatMap(hostPart) ?? configuredHost.split(separator: "/")[0].description
        let target = request.target.hasPrefix("/") ? request.target : "/"
        let url = "https://\(host)\(tlsPort == 443 ? "" : ":\(tlsPort)")\(target)"
        var headers = HTTPHeaders()
        headers.add("Location", url)
        headers.add("Content-Type", "text/plain; charset=utf-8")
        return HTTPResponse(status: HTTPStatus(308), headers: headers, body: Array("use \(url)\n".utf8))
    }

    /// `example.com:80` → `example.com`, `[::1]:80` → `[::1]`; nil for anything else.
    private static func hostPart(_ value: String) -> String? {
        let host: Substring
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { return nil }
            host = value[...close]
        } else {
            host = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0]
        }
        let allowed = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-.:[]".contains($0)) }
        return allowed && !host.isEmpty && host.count <= 255 ? String(host) : nil
    }
}
