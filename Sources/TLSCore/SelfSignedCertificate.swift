import COpenSSL
import Glibc

/// The dev mode's own certificate (`serve --dev-tls`): a P-256 key and a self-signed
/// certificate for `127.0.0.1`, `::1` and `localhost`, written next to the database so a
/// browser or client told to trust it once keeps trusting it across restarts.
public enum SelfSignedCertificate {
    /// Names the certificate is valid for.
    public static let subjectAltNames = "IP:127.0.0.1,IP:::1,DNS:localhost"

    /// Keeps the files when they load as a pair and stay valid for at least another day;
    /// otherwise writes new ones. Returns whether it generated.
    @discardableResult
    public static func ensure(certificate: String, key: String, days: Int = 365) throws(TLSError) -> Bool {
        if let existing = try? TLSContext.server(certificate: certificate, key: key), let leaf = SSL_CTX_get0_certificate(existing.raw) {
            var inADay = time(nil) + 86_400
            if X509_cmp_time(X509_get0_notAfter(leaf), &inADay) > 0 { return false }
        }
        try write(certificate: certificate, key: key, days: days)
        return true
    }

    /// Generates a key and a certificate valid from an hour ago for `days` days. The key file
    /// is created readable by its owner only.
    public static func write(certificate: String, key: String, days: Int) throws(TLSError) {
        OpenSSLErrors.clear()
        guard let pkey = wd_generate_p256_key() else { throw .generation("key: \(OpenSSLErrors.drain())") }
        defer { EVP_PKEY_free(pkey) }
        guard let cert = X509_new() else { throw .generation(OpenSSLErrors.drain()) }
        defer { X509_free(cert) }
        _ = X509_set_version(cert, 2)
        _ = ASN1_INTEGER_set(X509_get_serialNumber(cert), Int.random(in: 1...Int(Int32.max)))
        _ = X509_gmtime_adj(X509_getm_notBefore(cert), -3600)
        _ = X509_gmtime_adj(X509_getm_notAfter(cert), days * 86_400)
        _ = X509_set_pubkey(cert, pkey)
        let name = X509_get_subject_name(cert)
        _ = X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, "WaveDefect dev", -1, -1, 0)
        _ = X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, "127.0.0.1", -1, -1, 0)
        _ = X509_set_issuer_name(cert, name)
        let extensions: [(Int32, String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "serverAuth"),
            (NID_subject_alt_name, subjectAltNames),
            (NID_subject_key_identifier, "hash"),
        ]
        for (nid, value) in extensions where wd_X509_add_extension(cert, nid, value) != 1 {
            throw .generation("extension \(value): \(OpenSSLErrors.drain())")
        }
        guard X509_sign(cert, pkey, EVP_sha256()) > 0 else { throw .generation("sign: \(OpenSSLErrors.drain())") }

        let keyPEM = try pem { PEM_write_bio_PrivateKey($0, pkey, nil, nil, 0, nil, nil) }
        let certPEM = try pem { PEM_write_bio_X509($0, cert) }
        try save(keyPEM, to: key, mode: 0o600)
        try save(certPEM, to: certificate, mode: 0o644)
    }

    private static func pem(_ body: (OpaquePointer) -> Int32) throws(TLSError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .generation(OpenSSLErrors.drain()) }
        defer { BIO_free(bio) }
        guard body(bio) == 1 else { throw .generation("PEM: \(OpenSSLErrors.drain())") }
        var bytes = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
        _ = BIO_read(bio, &bytes, Int32(bytes.count))
        return bytes
    }

    private static func save(_ bytes: [UInt8], to path: String, mode: mode_t) throws(TLSError) {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty { makeDirectories(directory) }
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw .generation("\(path): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .generation("\(path): cannot be written")
        }
    }

    private static func makeDirectories(_ path: String) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            mkdir(current, 0o755)
        }
    }
}
