import ByteStorage
import TLSCore

/// TLS on the connection: the socket's bytes go through a `TLSConnection` (OpenSSL over
/// memory BIOs) on the loop's thread, with no thread or socket of its own. The handler
/// sees plaintext exactly as it would on a plain connection, and writes plaintext; the
/// session's records are what the write queue carries.
///
/// Reads are decrypted into the loop's read buffer (the ciphertext was copied into the
/// session first), so an encrypted connection needs no buffer of its own while idle.
/// Writes are encrypted once per flush, all plaintext of the turn into one buffer of
/// records. Plaintext queued during a client's handshake waits in `TLSLink.pending`.
extension TCPConnection {
    /// Encrypts the connection from now on: a server's on accept (before reading starts), a
    /// client's right after connecting (its ClientHello goes out with the next flush).
    public func startTLS(_ session: TLSConnection) {
        tlsLink = TLSLink(session)
        if !session.isServer {
            session.startHandshake()
            markTLSWritable()
        }
    }

    /// The TLS handshake has not completed yet (false for plain connections).
    public var isTLSHandshaking: Bool {
        guard let tls else { return false }
        return !tls.isHandshakeComplete
    }

    func receiveTLS(_ bytes: UnsafeMutableRawBufferPointer) {
        tls?.feed(UnsafeRawBufferPointer(bytes))
        deliverTLS()
    }

    /// Hands the handler what the session can decrypt, until it needs more ciphertext or
    /// the handler stops reading; then schedules what the session wants to send
    /// (handshake messages, session tickets, alerts).
    func deliverTLS() {
        guard let link = tlsLink else { return }
        let session = link.session
        let buffer = loop.readBuffer
        read: while !isClosing, !isReadingStopped, let handler {
            switch session.read(into: buffer) {
            case .bytes(let count):
                handler.connection(self, didRead: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]))
            case .needMore:
                break read
            case .closed:
                // close_notify: the peer has no more to say; as with a FIN, the connection ends.
                return close()
            case .failed:
                return failTLS()
            }
        }
        guard !isClosing else { return }
        if session.pendingOutput > 0 || (session.isHandshakeComplete && !link.pending.isEmpty) {
            markTLSWritable()
        }
    }

    /// A failed session: the alert OpenSSL produced (unknown CA, no shared version…) goes
    /// out, then the connection closes. The handler can read why from `tls.failure`.
    private func failTLS() {
        discardTLSPending()
        if let alert = tls?.takeOutput() { enqueueRecords(alert) }
        closeAfterFlush()
    }

    /// Called from `startReading`: input that arrived before the handler paused is still in
    /// the session, and no socket read may come to deliver it.
    func resumeTLSInput() {
        guard let link = tlsLink, link.session.hasBufferedInput else { return }
        if link.resume == nil {
            link.resume = LoopTimer(loop: loop) { [weak self] in self?.deliverTLS() }
        }
        link.resume?.start(afterMilliseconds: 0)
    }

    /// Encrypts the plaintext of this turn and queues the records; at the end of the
    /// connection, `close_notify` goes last. Returns false when there is nothing the flush
    /// may do yet (plaintext waiting for the handshake) or the session failed.
    func sealTLS() -> Bool {
        guard let link = tlsLink else { return true }
        let session = link.session
        if session.isHandshakeComplete && !link.pending.isEmpty {
            for plaintext in link.pending {
                addBuffered(-plaintext.count)
                if !session.write(plaintext.bytes) {
                    link.pending = []
                    close()
                    return false
                }
            }
            link.pending.removeAll(keepingCapacity: link.pending.capacity <= 64)
        }
        if (closeWhenFlushed || isWriteShut) && link.pending.isEmpty { session.close() }
        if let records = session.takeOutput() { enqueueRecords(records) }
        return head != nil || link.pending.isEmpty
    }

    private func enqueueRecords(_ records: SharedBytes) {
        if head == nil {
            head = records
        } else {
            tail.append(QueuedBuffer(records))
        }
        addBuffered(records.count)
    }

    func discardTLSPending() {
        guard let link = tlsLink else { return }
        var dropped = 0
        for plaintext in link.pending { dropped += plaintext.count }
        if dropped > 0 { addBuffered(-dropped) }
        link.pending = []
    }

    /// A close or half-close was asked for: the next flush seals what is left and adds
    /// `close_notify` before it is carried out.
    func tlsWillEnd() {
        markTLSWritable()
    }

    func markTLSWritable() {
        guard !isDirty, !isClosing else { return }
        isDirty = true
        loop.markDirty(self)
    }
}

/// What an encrypted connection carries beside its socket: the session, the plaintext
/// waiting to be encrypted (until the flush, or the end of the handshake), and the timer
/// that delivers input the session still holds after reading resumes. Plain connections
/// have none.
final class TLSLink {
    let session: TLSConnection
    var pending: [SharedBytes] = []
    var resume: LoopTimer?

    init(_ session: TLSConnection) {
        self.session = session
    }
}
