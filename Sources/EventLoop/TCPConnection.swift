import ByteStorage
import CLibUV
import Glibc
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
/// The handle is a `uv_poll_t` on the socket (`wd_socket_t`, 168 bytes in a 176-byte chunk),
/// not a `uv_tcp_t` (248 bytes, 256): every idle connection holds one, and a stream handle's
/// write queue, read callbacks and request bookkeeping were 80 of those bytes doing what
/// this class does anyway. libuv still runs the loop and tells us when the socket is
/// readable or writable; the reads (`recv`, up to 32 a wakeup, as libuv's stream reader),
/// writes, shutdown and close are done here on the descriptor (docs/benchmarks.md, "One
/// poll handle per socket").
///
/// Writes are queued as references to shared buffers and flushed once per loop turn with one
/// `send` (`sendmsg` for two or more buffers) straight on the socket (`wd_socket_send`);
/// what the kernel does not take waits in a `WriteRequest` for the socket to be writable.
/// `bufferedBytes` counts everything not yet handed to the kernel, which is what backpressure
/// decisions are made on.
///
/// The queue costs nothing while a connection is idle and nothing extra in the common case
/// of one message per turn: the first buffer is held inline (`head`), and an array (`tail`)
/// is only used when more than one waits. Nothing on the write path reads the clock; the
/// loop times each flush batch once (`EventLoop.writeLatency`).
public final class TCPConnection {
    public let loop: EventLoop
    let handle: UnsafeMutablePointer<wd_socket_t>
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
        static let isReading = Flags(rawValue: 1 << 10)
        static let isConnecting = Flags(rawValue: 1 << 11)
        static let pollsReadable = Flags(rawValue: 1 << 12)
        static let pollsWritable = Flags(rawValue: 1 << 13)
    }

    @inline(__always)
    private func flag(_ f: Flags) -> Bool { flags.contains(f) }

    @inline(__always)
    private func setFlag(_ f: Flags, _ on: Bool) {
        if on { flags.insert(f) } else { flags.remove(f) }
    }

    /// A write waits for the socket to drain (`WriteRequest`, in the handle's spare word);
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
    /// `startReading` was called once: the socket is watched for input unless stopped.
    private var isReading: Bool {
        get { flag(.isReading) }
        set { setFlag(.isReading, newValue) }
    }
    /// An outgoing connection waiting for its connect to finish (`connect`): the handle's
    /// spare word holds the `ConnectRequest`, and writability means the connect is done.
    var isConnecting: Bool {
        get { flag(.isConnecting) }
        set { setFlag(.isConnecting, newValue) }
    }

    /// Every change of `bufferedBytes` goes through here, so the loop's server-wide sum
    /// (`EventLoop.queuedOutputBytes`) stays exact.
    @inline(__always)
    func addBuffered(_ delta: Int) {
        bufferedBytes += delta
        loop.queuedOutputBytes += delta
    }

    /// A connection on `socket`, a connected non-blocking TCP descriptor it now owns (closed
    /// with the connection, or at once when the loop cannot watch it: then nil).
    init?(loop: EventLoop, socket: Int32) {
        self.loop = loop
        handle = .allocate(capacity: 1)
        let poll = UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_poll_t.self)
        guard uv_poll_init_socket(loop.raw, poll, socket) == 0 else {
            handle.deallocate()
            Glibc.close(socket)
            return nil
        }
        // Set before any start, so the loop's teardown can tell a connection's handle from
        // other poll handles (curl's, hiredis's) and close the descriptor only for ours.
        poll.pointee.poll_cb = TCPConnection.pollCallback
        poll.pointee.data = Unmanaged.passRetained(self).toOpaque()
        handle.pointee.write = nil
    }

    deinit {
        handle.deallocate()
    }

    private var poll: UnsafeMutablePointer<uv_poll_t> {
        UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_poll_t.self)
    }

    static func from(_ handle: UnsafeMutableRawPointer) -> TCPConnection {
        let h = handle.assumingMemoryBound(to: uv_handle_t.self)
        return Unmanaged<TCPConnection>.fromOpaque(h.pointee.data).takeUnretainedValue()
    }

    /// Where the socket handle lives: the footprint test asks malloc what it costs.
    public var socketHandleAddress: UnsafeRawPointer { UnsafeRawPointer(handle) }

    /// Peer address as `ip:port`.
    public var peerAddress: String {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { wd_socket_peername(handle, $0, &length) }
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
        _ = wd_socket_nodelay(handle, on ? 1 : 0)
    }

    /// Stops reading (the peer's bytes wait in the kernel) until `startReading()`.
    public func stopReading() {
        guard !isClosing else { return }
        isReadingStopped = true
        updatePoll()
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
        isReading = true
        if tlsLink != nil { resumeTLSInput() }
        updatePoll()
    }

    /// The one poll callback of every connection's handle (`poll_cb` also marks the handle as
    /// a connection's for the loop's teardown). Input is handled before output, as libuv's
    /// stream does; an error on the socket closes the connection.
    static let pollCallback: uv_poll_cb = { poll, status, events in
        let connection = TCPConnection.from(UnsafeMutableRawPointer(poll!))
        connection.loop.markTurnStart()
        if connection.isConnecting {
            // A refused connect is POLLERR, which libuv reports as UV_EBADF: the socket's
            // own error says what happened.
            let result = wd_socket_connect_result(connection.handle)
            return connection.finishConnecting(result == 0 && status < 0 ? status : result)
        }
        guard status >= 0 else {
            // POLLERR (libuv reports it as UV_EBADF and stops the handle): a reset peer's
            // last bytes may still wait in the socket — a WebSocket close frame, say — and
            // libuv's stream reader read them before the error; so does this.
            connection.readAvailable()
            return connection.close()
        }
        if events & Int32(UV_READABLE.rawValue) != 0 { connection.readAvailable() }
        if events & Int32(UV_WRITABLE.rawValue) != 0 && !connection.isClosing { connection.continueWriting() }
    }

    /// Reads what the socket holds into the loop's read buffer and hands it to the handler,
    /// up to 32 buffers a wakeup (libuv's stream reader's bound), so one busy peer cannot
    /// hold the loop; the rest waits for the next turn.
    private func readAvailable() {
        let buffer = loop.readBuffer
        for _ in 0..<32 {
            guard !isClosing, isReading, !isReadingStopped else { return }
            let n = wd_socket_recv(handle, buffer.baseAddress, buffer.count)
            if n > 0 {
                guard let handler else { return }
                let bytes = UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: n)
                if tlsLink == nil {
                    handler.connection(self, didRead: bytes)
                } else {
                    receiveTLS(bytes)
                }
                if n < buffer.count { return }
            } else if n == Int(UV_EAGAIN.rawValue) {
                return
            } else {
                // EOF or error: the peer is gone, nothing more can be delivered.
                return close()
            }
        }
    }

    /// Watches the socket for what the connection waits on now: input while reading and not
    /// stopped, writability while a write waits for the kernel (or a connect for its end).
    /// Changes the handle only when that differs from what it watches.
    func updatePoll() {
        guard !isClosing else { return }
        var want: Flags = []
        if isReading && !isReadingStopped { want.insert(.pollsReadable) }
        if isWriting || isConnecting { want.insert(.pollsWritable) }
        let watched = flags.intersection([.pollsReadable, .pollsWritable])
        guard want != watched else { return }
        flags.subtract(watched)
        flags.formUnion(want)
        if want.isEmpty {
            uv_poll_stop(poll)
            return
        }
        var events: Int32 = 0
        if want.contains(.pollsReadable) { events |= Int32(UV_READABLE.rawValue) }
        if want.contains(.pollsWritable) { events |= Int32(UV_WRITABLE.rawValue) }
        if uv_poll_start(poll, events, TCPConnection.pollCallback) != 0 { close() }
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
        let written = wd_socket_send(handle, &buf, 1)
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

    /// Asks the CPU for the line of the socket handle a send reads, ahead of the send: a
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
            // Everything queued is with the kernel: the FIN goes after it.
            if wd_socket_shutdown(handle) != 0 { close() }
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
            let written = wd_socket_send(handle, &buf, 1)
            if written == Int32(first.count) {
                addBuffered(-first.count)
                drained()
                return 1
            }
            if written < 0 && written != UV_EAGAIN.rawValue {
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
    /// of up to 256 until the kernel stops taking them, then the rest to a `WriteRequest`.
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
                return wd_socket_send(handle, bufs.baseAddress, UInt32(count))
            }
            if written == UV_EAGAIN.rawValue { break }
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

    /// Keeps what the kernel did not take in a `WriteRequest` (in the socket handle's spare
    /// word), sent as the socket drains; new writes queue behind it until it is done.
    private func submit(_ buffers: [SharedBytes], firstOffset: Int) {
        let request = WriteRequest(buffers: buffers, firstOffset: firstOffset, queuedAt: loop.turnStart)
        handle.pointee.write = Unmanaged.passRetained(request).toOpaque()
        isWriting = true
        updatePoll()
    }

    /// The waiting write, out of the handle's spare word (the caller owns the reference).
    private func takeWriteRequest() -> WriteRequest? {
        guard isWriting, let raw = handle.pointee.write else { return nil }
        handle.pointee.write = nil
        isWriting = false
        return Unmanaged<WriteRequest>.fromOpaque(raw).takeRetainedValue()
    }

    /// The socket is writable while a write waits: sends what it takes, and once the write
    /// is done (or failed) carries on as `uv_write`'s callback did.
    private func continueWriting() {
        guard isWriting, let raw = handle.pointee.write else { return }
        let status = Unmanaged<WriteRequest>.fromOpaque(raw).takeUnretainedValue().send(on: handle)
        guard status != 0, let request = takeWriteRequest() else { return }
        writeCompleted(request, status: status < 0 ? status : 0)
        updatePoll()
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
        // What was never handed to the kernel is dropped, from the loop's server-wide count too.
        var dropped = head?.count ?? 0
        for b in tail { dropped += b.count }
        if let link = tlsLink {
            for p in link.pending { dropped += p.count }
            link.pending = []
            link.resume = nil
        }
        // The write waiting for the socket is dropped too (libuv's cancelled `uv_write`).
        if let request = takeWriteRequest() { dropped += request.byteCount }
        if dropped > 0 { addBuffered(-dropped) }
        head = nil
        tail = []
        guard uv_is_closing(wd_handle(handle)) == 0 else { return }
        if isConnecting { abandonConnect() }
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
        // uv_close stopped the watcher (and took the descriptor out of epoll): the socket
        // can close now, as a stream handle's does in uv_close.
        wd_socket_close_fd(handle)
    }

    /// For the loop's teardown (`EventLoop.close`), which closes every handle without its
    /// owner: a connection's socket is closed with its handle, so peers see the end.
    static func closeSocket(ofClosingHandle h: UnsafeMutablePointer<uv_handle_t>) {
        guard uv_handle_get_type(h) == UV_POLL else { return }
        let poll = UnsafeMutableRawPointer(h).assumingMemoryBound(to: uv_poll_t.self)
        guard let callback = poll.pointee.poll_cb,
            unsafeBitCast(callback, to: UnsafeRawPointer.self) == unsafeBitCast(pollCallback, to: UnsafeRawPointer.self)
        else { return }
        wd_socket_close_fd(UnsafeMutableRawPointer(h).assumingMemoryBound(to: wd_socket_t.self))
    }
}
