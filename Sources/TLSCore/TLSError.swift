import COpenSSL

/// Why a certificate could not be loaded or a TLS session failed. One line each, naming the
/// file and the reason, so a server that refuses to start says exactly what to fix.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case missingFile
        case unreadableFile
        case badCertificate
        case badKey
        case keyMismatch
        case expired
        case notYetValid
        case context
        case handshake
        case session
        case generation
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// `what` is the setting that named the file (`tls.cert`, `tls.key`, `tls.ca`).
    public static func missingFile(_ what: String, _ path: String) -> TLSError {
        TLSError(.missingFile, "\(what): \(path): no such file")
    }

    public static func unreadableFile(_ what: String, _ path: String, reason: String) -> TLSError {
        TLSError(.unreadableFile, "\(what): \(path): cannot be read (\(reason))")
    }

    public static func badCertificate(_ path: String, detail: String) -> TLSError {
        TLSError(.badCertificate, "tls.cert: \(path): no usable PEM certificate (\(detail))")
    }

    public static func badKey(_ path: String, detail: String) -> TLSError {
        TLSError(.badKey, "tls.key: \(path): no usable PEM private key (\(detail))")
    }

    public static func keyMismatch(key: String, certificate: String) -> TLSError {
        TLSError(.keyMismatch, "tls.key: \(key) does not match the certificate in \(certificate)")
    }

    public static func expired(_ path: String, on date: String) -> TLSError {
        TLSError(.expired, "tls.cert: \(path): certificate expired on \(date)")
    }

    public static func notYetValid(_ path: String, from date: String) -> TLSError {
        TLSError(.notYetValid, "tls.cert: \(path): certificate not valid before \(date)")
    }

    public static func context(_ detail: String) -> TLSError {
        TLSError(.context, "TLS context: \(detail)")
    }

    /// The handshake failed (bad client hello, no common version or cipher, unknown CA…).
    public static func handshake(_ detail: String) -> TLSError {
        TLSError(.handshake, "TLS handshake failed: \(detail)")
    }

    /// A record could not be decrypted or written after the handshake.
    public static func session(_ detail: String) -> TLSError {
        TLSError(.session, "TLS session failed: \(detail)")
    }

    public static func generation(_ detail: String) -> TLSError {
        TLSError(.generation, "self-signed certificate: \(detail)")
    }

    /// Whether the error is about the certificate or key files (start-up and reload).
    public var isFileProblem: Bool {
        switch code {
        case .missingFile, .unreadableFile, .badCertificate, .badKey, .keyMismatch, .expired, .notYetValid: true
        default: false
        }
    }
}

/// OpenSSL's error queue, emptied into one line (the oldest reason first).
enum OpenSSLErrors {
    static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = string(fromCBuffer: buffer)
            // "error:0A000086:SSL routines::certificate verify failed" → the reason part.
            let reason = text.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init) ?? text
            if !reasons.contains(reason) { reasons.append(reason) }
        }
        return reasons.isEmpty ? "unknown error" : reasons.joined(separator: "; ")
    }

    static func clear() {
        ERR_clear_error()
    }
}

/// A NUL-terminated C string OpenSSL wrote into `buffer`.
func string(fromCBuffer buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
