import ByteStorage
import COpenSSL

/// One TLS session as a state machine over two memory BIOs: whoever owns the socket feeds
/// it the bytes read (`feed`), takes out the plaintext (`read`), hands it plaintext to send
/// (`write`) and drains the records to put on the wire (`takeOutput`). It does no I/O and
/// never blocks, so it runs on the event loop's thread like the rest of the connection.
public final class TLSConnection {
    private let ssl: OpaquePointer
    /// Ciphertext from the network, read by OpenSSL.
    private var input: OpaquePointer
    /// Records OpenSSL produced, waiting to be written to the socket.
    private var output: OpaquePointer
    public let isServer: Bool
    public private(set) var isHandshakeComplete = false
    /// Why the session ended, when it failed (bad handshake, corrupt record).
    public private(set) var failure: TLSError?
    private var closeNotifySent = false

    public enum ReadResult: Equatable {
        /// Plaintext bytes written at the start of the buffer.
        case bytes(Int)
        /// Nothing to hand out until more ciphertext arrives.
        case needMore
        /// The peer sent `close_notify`: the end of its data.
        case closed
        case failed(TLSError)
    }

    /// `serverName` (clients) is both sent as SNI and checked against the certificate when
    /// the context verifies peers; an IP literal is checked against the IP addresses.
    public init(context: TLSContext, serverName: String? = nil) throws(TLSError) {
        OpenSSLErrors.clear()
        guard let ssl = SSL_new(context.raw), let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            throw .context(OpenSSLErrors.drain())
        }
        Self.retryWhenEmpty(input)
        Self.retryWhenEmpty(output)
        SSL_set_bio(ssl, input, output)
        self.ssl = ssl
        self.input = input
        self.output = output
        isServer = context.isServer
        if isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverName {
                let isAddress = serverName.contains(":") || serverName.allSatisfy { $0.isNumber || $0 == "." }
                if !isAddress { _ = wd_SSL_set_tlsext_host_name(ssl, serverName) }
                if context.verifiesPeer {
                    let ok = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) : SSL_set1_host(ssl, serverName)
                    guard ok == 1 else { throw .context("cannot verify name '\(serverName)': \(OpenSSLErrors.drain())") }
                }
            }
        }
    }

    deinit {
        SSL_free(ssl)  // frees both BIOs
    }

    /// An empty memory BIO reports "retry", not end of file.
    private static func retryWhenEmpty(_ bio: OpaquePointer) {
        _ = BIO_ctrl(bio, BIO_C_SET_BUF_MEM_EOF_RETURN, -1, nil)
    }

    /// A memory BIO keeps the largest size it ever held (64 KiB after one full socket read,
    /// megabytes after a big flush). An empty one above this is replaced by a fresh one, so
    /// an idle connection does not pin what a burst once needed.
    static let keptBIOCapacity = 32 << 10

    private static func capacity(_ bio: OpaquePointer) -> Int {
        var memory: UnsafeMutablePointer<BUF_MEM>?
        _ = BIO_ctrl(bio, BIO_C_GET_BUF_MEM_PTR, 0, &memory)
        return memory.map { Int($0.pointee.max) } ?? 0
    }

    private func trimInput() {
        guard BIO_ctrl_pending(input) == 0, Self.capacity(input) > Self.keptBIOCapacity, let fresh = BIO_new(BIO_s_mem()) else { return }
        Self.retryWhenEmpty(fresh)
        SSL_set0_rbio(ssl, fresh)  // frees the old one
        input = fresh
    }

    private func trimOutput() {
        guard BIO_ctrl_pending(output) == 0, Self.capacity(output) > Self.keptBIOCapacity, let fresh = BIO_new(BIO_s_mem()) else { return }
        Self.retryWhenEmpty(fresh)
        SSL_set0_wbio(ssl, fresh)
        output = fresh
    }

    /// Hands ciphertext read from the socket to OpenSSL (copied into the input BIO).
    public func feed(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = BIO_write(input, base, Int32(bytes.count))
    }

    /// Starts a client's handshake: the ClientHello goes to the output.
    public func startHandshake() {
        guard !isHandshakeComplete, failure == nil else { return }
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            isHandshakeComplete = true
        } else if case .failed(let error) = classify(rc, handshake: true) {
            failure = error
        }
    }

    /// Advances the handshake and decrypts as much as fits in `buffer` from what was fed.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        if let failure { return .failed(failure) }
        if !isHandshakeComplete {
            let rc = SSL_do_handshake(ssl)
            guard rc == 1 else { return classify(rc, handshake: true) }
            isHandshakeComplete = true
        }
        var total = 0
        while total < buffer.count {
            var n = 0
            let rc = SSL_read_ex(ssl, buffer.baseAddress! + total, buffer.count - total, &n)
            if rc == 1 {
                total += n
                continue
            }
            // Hand out what was decrypted; an error or the end shows again on the next call.
            if total > 0 {
                OpenSSLErrors.clear()
                return .bytes(total)
            }
            return classify(rc, handshake: false)
        }
        return .bytes(total)
    }

    private func classify(_ rc: Int32, handshake: Bool) -> ReadResult {
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            trimInput()
            return .needMore
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        default:
            var detail = OpenSSLErrors.drain()
            if handshake, !isServer {
                let verify = SSL_get_verify_result(ssl)
                if verify != X509_V_OK { detail = String(cString: X509_verify_cert_error_string(verify)) }
            }
            let error: TLSError = handshake ? .handshake(detail) : .session(detail)
            failure = error
            return .failed(error)
        }
    }

    /// Encrypts plaintext into records (all of it: the output BIO grows). Only after the
    /// handshake; returns false when the session has failed.
    @discardableResult
    public func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard failure == nil, isHandshakeComplete, let base = bytes.baseAddress, bytes.count > 0 else { return failure == nil }
        var written = 0
        guard SSL_write_ex(ssl, base, bytes.count, &written) == 1 else {
            failure = .session(OpenSSLErrors.drain())
            return false
        }
        return true
    }

    /// Queues `close_notify` (once, after a completed handshake): the orderly end of our
    /// side, sent before the TCP FIN.
    public func close() {
        guard isHandshakeComplete, !closeNotifySent, failure == nil else { return }
        closeNotifySent = true
        _ = SSL_shutdown(ssl)
        OpenSSLErrors.clear()
    }

    /// Bytes of records waiting to be written to the socket.
    public var pendingOutput: Int { Int(BIO_ctrl_pending(output)) }

    /// Ciphertext already fed but not yet decrypted (a reader that paused).
    public var hasBufferedInput: Bool { BIO_ctrl_pending(input) > 0 || SSL_pending(ssl) > 0 }

    /// Everything OpenSSL wrote since the last call, as one buffer for the write queue.
    public func takeOutput() -> SharedBytes? {
        let count = pendingOutput
        guard count > 0 else { return nil }
        let records = SharedBytes(count: count) { base in
            _ = BIO_read(output, base, Int32(count))
        }
        trimOutput()
        return records
    }

    /// The protocol ALPN settled on (`http/1.1`), if any.
    public var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// `TLSv1.2` or `TLSv1.3`.
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }
}
