import COpenSSL
import Glibc

/// An OpenSSL `SSL_CTX`: the certificate, key and settings every connection of one side
/// shares. Server contexts speak TLS 1.2 and 1.3 only, refuse renegotiation and select ALPN
/// `http/1.1`; client contexts verify the peer against a CA file or the system's store.
///
/// A context is immutable once made. Reloading a certificate (SIGHUP) makes a new context;
/// connections keep the one they started with (OpenSSL counts its references), so nothing
/// open is dropped.
public final class TLSContext: @unchecked Sendable {
    let raw: OpaquePointer
    public let isServer: Bool
    /// Verify the peer's certificate and name (clients; servers do not ask for one).
    let verifiesPeer: Bool
    /// The leaf certificate's subject and validity, for the log (servers).
    public private(set) var certificate: CertificateSummary?

    private init(raw: OpaquePointer, isServer: Bool, verifiesPeer: Bool) {
        self.raw = raw
        self.isServer = isServer
        self.verifiesPeer = verifiesPeer
    }

    deinit {
        SSL_CTX_free(raw)
    }

    private static func make(server: Bool) throws(TLSError) -> OpaquePointer {
        OpenSSLErrors.clear()
        guard let ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()) else {
            throw .context(OpenSSLErrors.drain())
        }
        _ = wd_SSL_CTX_set_min_proto_version(ctx, wd_TLS1_2_VERSION())
        _ = wd_SSL_CTX_set_max_proto_version(ctx, wd_TLS1_3_VERSION())
        _ = SSL_CTX_set_options(ctx, wd_SSL_OP_NO_RENEGOTIATION())
        // An idle connection gives its record buffers back: 10,000 quiet WebSockets would
        // otherwise hold ~34 KB each.
        _ = wd_SSL_CTX_set_mode(ctx, wd_SSL_MODE_RELEASE_BUFFERS())
        return ctx
    }

    /// A server context from PEM files: `certificate` holds the leaf first and then any
    /// intermediates; `key` its private key. Throws a one-line reason for a missing,
    /// unreadable, malformed, expired or mismatched file.
    public static func server(certificate: String, key: String) throws(TLSError) -> TLSContext {
        try checkReadable("tls.cert", certificate)
        try checkReadable("tls.key", key)
        let context = TLSContext(raw: try make(server: true), isServer: true, verifiesPeer: false)
        let ctx = context.raw
        wd_SSL_CTX_select_alpn_http11(ctx)
        guard SSL_CTX_use_certificate_chain_file(ctx, certificate) == 1 else {
            throw .badCertificate(certificate, detail: OpenSSLErrors.drain())
        }
        guard let leaf = SSL_CTX_get0_certificate(ctx) else { throw .badCertificate(certificate, detail: "no certificate") }
        let summary = CertificateSummary(leaf)
        if X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0 { throw .expired(certificate, on: summary.notAfter) }
        if X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0 { throw .notYetValid(certificate, from: summary.notBefore) }
        guard let bio = BIO_new_file(key, "r") else { throw .unreadableFile("tls.key", key, reason: OpenSSLErrors.drain()) }
        let pkey = PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        BIO_free(bio)
        guard let pkey else { throw .badKey(key, detail: OpenSSLErrors.drain()) }
        defer { EVP_PKEY_free(pkey) }
        guard SSL_CTX_use_PrivateKey(ctx, pkey) == 1, SSL_CTX_check_private_key(ctx) == 1 else {
            OpenSSLErrors.clear()
            throw .keyMismatch(key: key, certificate: certificate)
        }
        context.certificate = summary
        return context
    }

    /// A client context. `caFile` (PEM) is the set of trusted roots; nil trusts the system's
    /// store. `verify: false` skips checking the peer entirely (benchmarks against a
    /// throw-away certificate only).
    public static func client(caFile: String? = nil, verify: Bool = true) throws(TLSError) -> TLSContext {
        if let caFile { try checkReadable("tls.ca", caFile) }
        let context = TLSContext(raw: try make(server: false), isServer: false, verifiesPeer: verify)
        let ctx = context.raw
        guard wd_SSL_CTX_offer_alpn_http11(ctx) == 0 else { throw .context(OpenSSLErrors.drain()) }
        if verify {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
            let loaded = caFile.map { SSL_CTX_load_verify_locations(ctx, $0, nil) } ?? SSL_CTX_set_default_verify_paths(ctx)
            guard loaded == 1 else { throw .badCertificate(caFile ?? "system store", detail: OpenSSLErrors.drain()) }
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        }
        return context
    }

    /// Existence and permission first, so the message says which of the two went wrong
    /// rather than OpenSSL's "system library" reason.
    static func checkReadable(_ what: String, _ path: String) throws(TLSError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .missingFile(what, path) }
            throw .unreadableFile(what, path, reason: String(cString: strerror(code)))
        }
        close(fd)
    }
}

/// Who a certificate names and when it is valid, as the log shows it.
public struct CertificateSummary: Sendable, Equatable {
    public let subject: String
    public let notBefore: String
    public let notAfter: String

    init(_ cert: OpaquePointer) {
        var buffer = [CChar](repeating: 0, count: 512)
        X509_NAME_oneline(X509_get_subject_name(cert), &buffer, Int32(buffer.count))
        subject = string(fromCBuffer: buffer)
        notBefore = Self.format(X509_get0_notBefore(cert))
        notAfter = Self.format(X509_get0_notAfter(cert))
    }

    static func format(_ time: UnsafePointer<ASN1_TIME>?) -> String {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return "?" }
        var buffer = [CChar](repeating: 0, count: 64)
        strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S UTC", &parts)
        return string(fromCBuffer: buffer)
    }
}
