import COpenSSL
import Foundation
import Glibc

/// The client side of TLS for the blocking test socket: OpenSSL on the socket's descriptor,
/// trusting `caFile` only, checking the server's address, offering ALPN `http/1.1`.
final class TestTLS: @unchecked Sendable {
    let context: OpaquePointer

    struct Failed: Error, CustomStringConvertible {
        let what: String
        var description: String { what }
    }

    /// `maxVersion`: e.g. `TLS1_1_VERSION` to check that older versions are refused.
    init(caFile: String, maxVersion: Int32? = nil) throws {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw Failed(what: "SSL_CTX_new") }
        context = ctx
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else { throw Failed(what: "cannot load \(caFile)") }
        guard wd_SSL_CTX_offer_alpn_http11(ctx) == 0 else { throw Failed(what: "ALPN") }
        if let maxVersion {
            _ = wd_SSL_CTX_set_min_proto_version(ctx, 0)
            _ = wd_SSL_CTX_set_max_proto_version(ctx, maxVersion)
            // OpenSSL's default security level refuses TLS < 1.2 before the server can.
            SSL_CTX_set_security_level(ctx, 0)
        }
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// Performs the handshake on a connected descriptor (blocking).
    func connect(fd: Int32, host: String) throws -> OpaquePointer {
        guard let ssl = SSL_new(context) else { throw Failed(what: "SSL_new") }
        _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        SSL_set_fd(ssl, fd)
        guard SSL_connect(ssl) == 1 else {
            let verify = SSL_get_verify_result(ssl)
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(ERR_get_error(), &buffer, buffer.count)
            ERR_clear_error()
            SSL_free(ssl)
            let reason = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            throw Failed(what: "TLS handshake failed: \(String(decoding: reason, as: UTF8.self)) (verify \(verify))")
        }
        return ssl
    }
}

extension TestSocket {
    /// The subject of the server's certificate (`/CN=…`), TLS only.
    var peerSubject: String? {
        guard let ssl, let cert = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(cert) }
        var buffer = [CChar](repeating: 0, count: 256)
        X509_NAME_oneline(X509_get_subject_name(cert), &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `TLSv1.3`, `TLSv1.2`.
    var tlsVersion: String? { ssl.map { String(cString: SSL_get_version($0)) } }

    var alpn: String? {
        guard let ssl else { return nil }
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    func tlsSend(_ ssl: OpaquePointer, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            var written = 0
            let ok = bytes[offset...].withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress, $0.count, &written) }
            guard ok == 1 else {
                ERR_clear_error()
                throw SocketError(what: "SSL_write failed")
            }
            offset += written
        }
    }

    /// One SSL_read: bytes, or empty at the end of the stream (close_notify, FIN or reset).
    func tlsReceive(_ ssl: OpaquePointer, max: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        var n = 0
        let ok = buffer.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, max, &n) }
        if ok == 1 { return Array(buffer[0..<n]) }
        let code = SSL_get_error(ssl, 0)
        if code == SSL_ERROR_SYSCALL && errno == ECONNRESET { markReset() }
        ERR_clear_error()
        return []
    }
}
