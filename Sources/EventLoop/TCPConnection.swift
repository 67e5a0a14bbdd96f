import ByteStorage
import CLibUV
import TLSCore

/// What a connection reports to whoever speaks its protocol.
public protocol TCPConnectionHandler: AnyObject {
    /// Bytes arrived. The buffer is the loop's shared read buffer: it is only valid during the
    /// call, and the handler may modify it (WebSocket unmasking happens in place).
    func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer)
    /// The connection is closed; no callback follows.
    func connectionDidClose(_ connection: TCPConnection)
    /// Everything queued was handed to the kernel, after `notifyWhenDrained()`. Called from
    /// inside a flush: what the handler writes now goes out with the next one.
    func connectionDidDrain(_ connection: TCPConnection)
}

extension TCPConnectionHandler {
    public func connectionDidDrain(_ connection: TCPConnection) {}
}

/// A TCP connection on the loop, in the manner of uSockets: the libuv handle's `data` holds a
/// retained reference to this object, released in the close callback, so the connection
/// lives exactly as long as its handle.
///
/// Writes are queued as references to shared buffers and flushed once per loop turn with one
/// `send` (`sendmsg` for two or more buffers) straight on the socket — `wd_try_send`, which is
/// `uv_try_write` without the file layer's per-call kernel cost; what the kernel does not take
/// goes out with `uv_write`.
/// `bufferedBytes` counts everything not yet handed to the kernel, which is what backpressure
/// decisions are made on.
///
/// The queue costs nothing while a connection is idle and nothing extra in the common case
/// of one message per turn: the first buffer is held inline (`head`), and an array (`tail`)
/// is only used when more than one waits. Nothing on the write path reads the clock; the
/// loop times each flush batch once (`EventLoop.writeLatency`).
public final class TCPConnection {
    public let loop: EventLoop
    let handle: UnsafeMutablePointer<uv_tcp_t>
    /// Strong: the handler lives as long as the connection; the reference is dropped on close.
    public var handler: TCPConnectionHandler?

    /// The oldest queued buffer, none of it written yet.
    var head: SharedBytes?
    /// Buffers queued behind `head`, oldest first; storage only while two or more wait.
    var tail: [QueuedBuffer] = []
    /// The connection's yes/no state (`isDirty`, `isClosing`, … below), one bit each: every
    /// connection carries it, and as ten `Bool`s and an optional reference to the write in
    /// progress it made the object 104 bytes (a 112-byte malloc chunk) rather than 83 (96)
    /// (docs/benchmarks.md, "Where an idle connection's bytes go").
    private var flags: Flags = []
    /// How many of the loop's flush lists hold this connection (dirty, deferred: at most 2).
    /// The lists do not retain it; see `closedWhileListed`.
    var listings: UInt8 = 0
    /// The loop turn (`EventLoop.turn`) in which a broadcast was last written through: the
    /// rest of that turn's writes queue and leave together at its end. In the padding after
    /// `listings`, so the object does not grow.
    var writtenThroughTurn: UInt32 = .max
    /// Bytes queued or in flight, not yet accepted by the kernel.
    public private(set) var bufferedBytes = 0

    /// The TLS session and what goes with it, when the connection is encrypted (`startTLS`);
    /// nil keeps every path below exactly as it is for plain TCP. One reference rather than
    /// three fields, so a plain connection carries 8 bytes for TLS (every idle connection
    /// has one of these: docs/benchmarks.md). With TLS, `write` queues plaintext in
    /// `tlsLink.pending`, the flush encrypts it into one buffer of records for the queue
    /// above, and reads are decrypted before the handler sees them (TCPConnection+TLS.swift).
    var tlsLink: TLSLink?

    /// The TLS session when the connection is encrypted.
    public var tls: TLSConnection? { tlsLink?.session }

    struct Flags: OptionSet {
        let rawValue: UInt16
        static let isWriting = Flags(rawValue: 1 << 0)
        static let isDirty = Flags(rawValue: 1 << 1)
        static let isDeferred = Flags(rawValue: 1 << 2)
        static let closedWhileListed = Flags(rawValue: 1 << 3)
        static let closeWhenFlushed = Flags(rawValue: 1 << 4)
        static let shutdownWhenFlushed = Flags(rawValue: 1 << 5)
        static let notifyDrain = Flags(rawValue: 1 << 6)
        static let isWriteShut = Flags(rawValue: 1 << 7)
        static let isClosing = Flags(rawValue: 1 << 8)
        static let isReadingStopped = Flags(rawValue: 1 << 9)
    }

    @inline(__always)
    private func flag(_ f: Flags) -> Bool { flags.contains(f) }

    @inline(__always)
    private func setFlag(_ f: Flags, _ on: Bool) {
        if on { flags.insert(f) } else { flags.remove(f) }
    }

    /// A `uv_write` is in progress (the request keeps itself alive until its callback);
    /// new writes queue behind it.
    var isWriting: Bool {
        get { flag(.isWriting) }
        set { setFlag(.isWriting, newValue) }
    }
    /// In the loop's list of connections to flush at the end of this turn.
    var isDirty: Bool {
        get { flag(.isDirty) }
        set { setFlag(.isDirty, newValue) }
    }
    /// In the loop's list of connections whose broadcasts wait for the flush window; cleared
    /// only by that list's walk, so the connection is never listed there twice.
    var isDeferred: Bool {
        get { flag(.isDeferred) }
        set { setFlag(.isDeferred, newValue) }
    }
    /// The handle closed while a flush list still held this connection: the handle's
    /// reference is released by the walk that unlists it, not by the close callback.
    var closedWhileListed: Bool {
        get { flag(.closedWhileListed) }
        set { setFlag(.closedWhileListed, newValue) }
    }
    var closeWhenFlushed: Bool {
        get { flag(.closeWhenFlushed) }
        set { setFlag(.closeWhenFlushed, newValue) }
    }
    /// Half-close once the queue drains: FIN after the last byte, reading goes on.
    private var shutdownWhenFlushed: Bool {
        get { flag(.shutdownWhenFlushed) }
        set { setFlag(.shutdownWhenFlushed, newValue) }
    }
    /// Tell the handler when the queue next empties (a reader paused on its backlog).
    private var notifyDrain: Bool {
        get { flag(.notifyDrain) }
        set { setFlag(.notifyDrain, newValue) }
    }
    /// Our write side is shut (or about to be): nothing more is queued.
    public private(set) var isWriteShut: Bool {
        get { flag(.isWriteShut) }
        set { setFlag(.isWriteShut, newValue) }
    }
    public private(set) var isClosing: Bool {
        get { flag(.isClosing) }
        set { setFlag(.isClosing, newValue) }
    }
    /// The handler asked to stop reading (with TLS, decrypted input waits in the session).
    var isReadingStopped: Bool {
        get { flag(.isReadingStopped) }
        set { setFlag(.isReadingStopped, newValue) }
    }

    /// Every change of `bufferedBytes` goes through here, so the loop's server-wide sum
    /// (`EventLoop.queuedOutputBytes`) stays exact.
    @inline(__always)
    func addBuffered(_ delta: Int) {
        bufferedBytes += delta
        loop.queuedOutputBytes += delta
    }

    init(loop: EventLoop) {
        self.loop = loop
        handle = .allocate(capacity: 1)
        uv_tcp_init(loop.raw, handle)
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    deinit {
        handle.deallocate()
    }

    static func from(_ stream: UnsafeMutableRawPointer) -> TCPConnection {
        let h = stream.assumingMemoryBound(to: uv_handle_t.self)
        return Unmanaged<TCPConnection>.fromOpaque(h.pointee.data).takeUnretainedValue()
    }

    /// Peer address as `ip:port`.
    public var peerAddress: String {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getpeername(handle, $0, &length) }
        }
        guard rc == 0 else { return "?" }
        return SocketAddress.describe(&storage)
    }

    /// Data segments the kernel has sent on this socket (nil when it cannot tell): with
    /// TCP_NODELAY, one per send of a small batch, so tests count the loop's sends with it.
    public var dataSegmentsSent: Int? {
        let n = wd_tcp_data_segments_out(handle)
        return n < 0 ? nil : n
    }

    public func setNoDelay(_ on: Bool) {
        uv_tcp_nodelay(handle, on ? 1 : 0)
    }

    /// Stops reading (the peer's bytes wait in the kernel) until `startReading()`.
    public func stopReading() {
        guard !isClosing else { return }
        isReadingStopped = true
        uv_read_stop(wd_stream(handle))
    }

    /// Asks for one `connectionDidDrain` when everything queued has been written.
    public func notifyWhenDrained() {
        notifyDrain = true
        if head == nil && !isWriting && !isDirty {
            isDirty = true
            loop.markDirty(self)
        }
    }

    public func startReading() {
        guard !isClosing else { return }
        isReadingStopped = false
        if tlsLink != nil { resumeTLSInput() }
        uv_read_start(wd_stream(handle), { h, _, buf in
            let loop = EventLoop.from(h!.pointee.loop)
            buf!.pointee = uv_buf_init(loop.readBuffer.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(loop.readBuffer.count))
        }, { stream, nread, buf in
            let connection = TCPConnection.from(UnsafeMutableRawPointer(stream!))
            connection.loop.markTurnStart()
            if nread > 0 {
                guard let handler = connection.handler, !connection.isClosing else { return }
                let bytes = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(buf!.pointee.base), count: nread)
                if connection.tlsLink == nil {
                    handler.connection(connection, didRead: bytes)
                } else {
                    connection.receiveTLS(bytes)
                }
            } else if nread < 0 {
                // EOF or error: the peer is gone, nothing more can be delivered.
                connection.close()
            }
        })
    }


    // MARK: Writing

    /// Queues a shared buffer; it goes out when the loop turn ends, or — when `deferrable`
    /// and the loop has a flush window — with the next batch of broadcasts. A `deferrable`
    /// write (a broadcast) with no flush window to a connection with nothing pending is sent
    /// at once instead (`writeThrough`).
    @inline(__always)
    public func write(_ bytes: SharedBytes, deferrable: Bool = false) {
        guard !isClosing, !isWriteShut, bytes.count > 0 else { return }
        if deferrable && head == nil && !isDirty && !isDeferred && !isWriting && tlsLink == nil && loop.flushInterval == 0
            && writtenThroughTurn != loop.turn {
            return writeThrough(bytes)
        }
        if let link = tlsLink {
            link.pending.append(bytes)
        } else if head == nil {
            head = bytes
        } else {
            tail.append(QueuedBuffer(bytes))
        }
        addBuffered(bytes.count)
        if deferrable && loop.flushInterval > 0 {
            if !isDirty && !isDeferred {
                isDeferred = true
                loop.markDeferred(self)
            }
        } else if !isDirty {
            isDirty = true
            loop.markDirty(self)
        }
    }

    /// A broadcast to a connection with nothing pending goes to the kernel at once, during
    /// the fan-out, instead of after every recipient has been queued: with 1,000 recipients
    /// the queueing alone delayed the first send by ~0.2 ms, and every recipient's latency
    /// with it (docs/benchmarks.md, "Read to first send"). The connection is stamped with the
    /// turn rather than listed for the turn's end: whatever else it is sent this turn is
    /// queued (and listed) and leaves in one call, as before — at most two sends per turn —
    /// while a connection sent one broadcast is touched once, not again by the turn's flush
    /// walk (docs/benchmarks.md, "Written through, not listed"). A stamp equal by wrap-around,
    /// 2³² turns later, only means one broadcast is queued instead of written through.
    private func writeThrough(_ bytes: SharedBytes) {
        writtenThroughTurn = loop.turn
        var buf = uv_buf_t(base: bytes.base.assumingMemoryBound(to: CChar.self), len: bytes.count)
        let written = wd_try_send(handle, &buf, 1)
        if written == Int32(bytes.count) {
            loop.countWrittenThrough()
            return
        }
        if written < 0 && written != UV_EAGAIN.rawValue {
            close()
            return
        }
        let taken = max(Int(written), 0)
        addBuffered(bytes.count - taken)
        submit([bytes], firstOffset: taken)
    }

    /// Asks the CPU for the lines of the libuv handle a send reads, ahead of the send: a
    /// fan-out calls it for the next recipient while the kernel works on the current one's
    /// send (`WaveDefectServer.fanOut`).
    public func prefetchForSend() {
        wd_prefetch_send(handle)
    }

    public func write(_ bytes: [UInt8]) {
        write(SharedBytes(bytes))
    }

    /// Buffers queued and not yet handed to the kernel (in flight excluded).
    var queuedCount: Int { head == nil ? 0 : 1 + tail.count }

    /// Drops queued bytes that have not started going out (bytes already handed to libuv
    /// stay), so an urgent frame — a close for a slow consumer — is next in line.
    public func discardQueued() {
        // Records already made cannot be dropped (the session's sequence numbers count
        // them); plaintext not yet encrypted can.
        guard tlsLink == nil else { return discardTLSPending() }
        var dropped = head?.count ?? 0
        for b in tail { dropped += b.count }
        if dropped > 0 { addBuffered(-dropped) }
        head = nil
        tail = []
    }

    /// Closes once everything queued is written (an HTTP response with `Connection: close`,
    /// the last WebSocket close frame).
    public func closeAfterFlush() {
        guard !isClosing else { return }
        closeWhenFlushed = true
        if tlsLink != nil {
            tlsWillEnd()
        } else if head == nil && !isWriting {
            close()
        } else if !isDirty {
            isDirty = true
            loop.markDirty(self)
        }
    }

    /// Shuts the write side down (FIN) once everything queued is written, and keeps reading:
    /// the way to end a WebSocket close handshake the server started. Closing the socket
    /// while the peer is still sending would make the kernel answer its data with a reset,
    /// and a reset can destroy the close frame before the peer reads it; a FIN cannot. The
    /// caller closes when the peer's EOF arrives (`connectionDidClose`) or its deadline
    /// passes.
    public func shutdownAfterFlush() {
        guard !isClosing, !isWriteShut else { return }
        isWriteShut = true
        shutdownWhenFlushed = true
        if tlsLink != nil {
            tlsWillEnd()
        } else if head == nil && !isWriting {
            drained()
        } else if !isDirty {
            isDirty = true
            loop.markDirty(self)
        }
    }

    /// The queue is empty: carries out a close or half-close that waited for it. Every
    /// flush ends here, and almost always nothing waited: that check is inlined.
    @inline(__always)
    func drained() {
        guard notifyDrain || closeWhenFlushed || shutdownWhenFlushed else { return }
        carryOutDrained()
    }

    /// Plaintext still waiting for a TLS handshake is not written yet — a refusal decided on
    /// accept (429, 503) is queued before the client's hello arrives — so the close waits for
    /// it too; otherwise the FIN would follow the server's handshake messages and the answer
    /// would never be sent.
    private func carryOutDrained() {
        guard tlsLink?.pending.isEmpty ?? true else { return }
        if notifyDrain {
            notifyDrain = false
            handler?.connectionDidDrain(self)
        }
        if closeWhenFlushed {
            close()
        } else if shutdownWhenFlushed {
            shutdownWhenFlushed = false
            let request = UnsafeMutablePointer<uv_shutdown_t>.allocate(capacity: 1)
            // libuv calls back (with UV_ECANCELED) even when the handle closes first.
            if uv_shutdown(request, wd_stream(handle), { req, _ in req?.deallocate() }) != 0 {
                request.deallocate()
                close()
            }
        }
    }

    /// Hands the queue to the kernel; returns how many whole buffers it took.
    @discardableResult
    func flush() -> Int {
        isDirty = false
        guard !isClosing, !isWriting else { return 0 }
        if tlsLink != nil && !sealTLS() { return 0 }
        // Moved out, not copied: the queue's reference becomes ours (no retain/release pair).
        guard let first = head.take() else {
            drained()
            return 0
        }
        if tail.isEmpty {
            // One buffer, the usual case: no iovec array, no queue to walk.
            var buf = uv_buf_t(base: first.base.assumingMemoryBound(to: CChar.self), len: first.count)
            let written = wd_try_send(handle, &buf, 1)
            if written == Int32(first.count) {
                addBuffered(-first.count)
                drained()
                return 1
            }
            if written < 0 && written != UV_EAGAIN.rawValue && written != UV_ENOSYS.rawValue {
                head = first  // counted off by close() with the rest
                close()
                return 0
            }
            let taken = max(Int(written), 0)
            addBuffered(-taken)
            submit([first], firstOffset: taken)
            return 0
        }
        return flushQueue(first)
    }

    /// `flush` for two or more buffers (`first`, taken out of `head`, then `tail`): `sendmsg`s
    /// of up to 256 until the kernel stops taking them, then the rest to `uv_write`.
    private func flushQueue(_ first: SharedBytes) -> Int {
        let total = 1 + tail.count
        var done = 0
        var offset = 0  // bytes of buffer `done` the kernel already took
        while done < total {
            let count = min(total - done, 256)
            let written = withUnsafeTemporaryAllocation(of: uv_buf_t.self, capacity: count) { bufs -> Int32 in
                for i in 0..<count {
                    let k = done + i
                    let (base, size) = k == 0 ? (first.base, first.count) : (tail[k - 1].base, tail[k - 1].count)
                    let skip = i == 0 ? offset : 0
                    bufs[i] = uv_buf_t(base: (base + skip).assumingMemoryBound(to: CChar.self), len: size - skip)
                }
                return wd_try_send(handle, bufs.baseAddress, UInt32(count))
            }
            if written == UV_EAGAIN.rawValue || written == UV_ENOSYS.rawValue { break }
            if written < 0 {
                head = first  // counted off by close() with the rest
                close()
                return 0
            }
            var n = Int(written)
            addBuffered(-n)
            while n > 0 {
                let left = (done == 0 ? first.count : tail[done - 1].count) - offset
                if n >= left {
                    n -= left
                    done += 1
                    offset = 0
                } else {
                    offset += n
                    n = 0
                }
            }
            if count < 256 && done < total { break }  // the socket buffer is full
        }
        if done < total {
            let rest = (done..<total).map { $0 == 0 ? first : tail[$0 - 1].storage }
            head = nil
            tail = []
            submit(rest, firstOffset: offset)
            return done
        }
        // A drained queue keeps no storage: an idle connection holds no queue memory.
        head = nil
        tail = []
        drained()
        return done
    }

    /// Hands what the kernel did not take to `uv_write`, which writes it when the socket
    /// drains; new writes queue behind it until its callback.
    private func submit(_ buffers: [SharedBytes], firstOffset: Int) {
        let request = WriteRequest(buffers: buffers, firstOffset: firstOffset, connection: self, queuedAt: loop.turnStart)
        isWriting = true
        let rc = request.submit(to: wd_stream(handle))
        if rc != 0 {
            isWriting = false
            close()
        }
    }

    func writeCompleted(_ request: WriteRequest, status: Int32) {
        isWriting = false
        addBuffered(-request.byteCount)
        if status == 0 { request.recordLatency(into: &loop.writeLatency) }
        if status < 0 {
            close()
            return
        }
        if head != nil || closeWhenFlushed || shutdownWhenFlushed || notifyDrain || tlsLink?.pending.isEmpty == false {
            flush()
        }
    }

    /// A queued buffer with its address and size beside it, so building the `sendmsg` list
    /// reads plain integers rather than going through (and retaining) the buffer object.
    struct QueuedBuffer {
        let storage: SharedBytes
        let base: UnsafeMutableRawPointer
        let count: Int

        init(_ storage: SharedBytes) {
            self.storage = storage
            base = storage.base
            count = storage.count
        }
    }

    // MARK: Closing

    /// Closes the socket now; queued bytes are dropped. The handler hears `connectionDidClose`
    /// from the close callback.
    public func close() {
        guard !isClosing else { return }
        isClosing = true
        // What was never handed over is dropped (in-flight bytes are counted off when libuv
        // cancels their write), from the loop's server-wide count too.
        var dropped = head?.count ?? 0
        for b in tail { dropped += b.count }
        if let link = tlsLink {
            for p in link.pending { dropped += p.count }
            link.pending = []
            link.resume = nil
        }
        if dropped > 0 { addBuffered(-dropped) }
        head = nil
        tail = []
        guard uv_is_closing(wd_handle(handle)) == 0 else { return }
        uv_close(wd_handle(handle)) { h in
            let unmanaged = Unmanaged<TCPConnection>.fromOpaque(h!.pointee.data)
            let connection = unmanaged.takeUnretainedValue()
            connection.handler?.connectionDidClose(connection)
            connection.handler = nil
            if connection.listings > 0 {
                connection.closedWhileListed = true
            } else {
                unmanaged.release()
            }
        }
    }
}
