import ByteStorage
import CLibUV

/// What a connection reports to whoever speaks its protocol.
public protocol TCPConnectionHandler: AnyObject {
    /// Bytes arrived. The buffer is the loop's shared read buffer: it is only valid during the
    /// call, and the handler may modify it (WebSocket unmasking happens in place).
    func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer)
    /// The connection is closed; no callback follows.
    func connectionDidClose(_ connection: TCPConnection)
}

/// A TCP connection on the loop, in the manner of uSockets: the libuv handle's `data` holds a
/// retained reference to this object, released in the close callback, so the connection
/// lives exactly as long as its handle.
///
/// Writes are queued as references to shared buffers and flushed once per loop turn with one
/// `writev` (`uv_try_write`); what the kernel does not take goes out with `uv_write`.
/// `bufferedBytes` counts everything not yet handed to the kernel, which is what backpressure
/// decisions are made on.
public final class TCPConnection {
    public let loop: EventLoop
    let handle: UnsafeMutablePointer<uv_tcp_t>
    /// Strong: the handler lives as long as the connection; the reference is dropped on close.
    public var handler: TCPConnectionHandler?

    private var queue: [OutboundChunk] = []
    private var inFlight: WriteRequest?
    private var isDirty = false
    private var isDeferred = false
    private var closeWhenFlushed = false
    public private(set) var isClosing = false
    /// Bytes queued or in flight, not yet accepted by the kernel.
    public private(set) var bufferedBytes = 0

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

    public func setNoDelay(_ on: Bool) {
        uv_tcp_nodelay(handle, on ? 1 : 0)
    }

    func startReading() {
        uv_read_start(wd_stream(handle), { h, _, buf in
            let loop = EventLoop.from(h!.pointee.loop)
            buf!.pointee = uv_buf_init(loop.readBuffer.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(loop.readBuffer.count))
        }, { stream, nread, buf in
            let connection = TCPConnection.from(UnsafeMutableRawPointer(stream!))
            connection.loop.markTurnStart()
            if nread > 0 {
                guard let handler = connection.handler, !connection.isClosing else { return }
                let bytes = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(buf!.pointee.base), count: nread)
                handler.connection(connection, didRead: bytes)
            } else if nread < 0 {
                // EOF or error: the peer is gone, nothing more can be delivered.
                connection.close()
            }
        })
    }


    // MARK: Writing

    /// Queues a shared buffer; it goes out when the loop turn ends, or — when `deferrable`
    /// and the loop has a flush window — with the next batch of broadcasts.
    public func write(_ bytes: SharedBytes, deferrable: Bool = false) {
        guard !isClosing, bytes.count > 0 else { return }
        queue.append(OutboundChunk(bytes, enqueuedAt: loop.turnStart))
        bufferedBytes += bytes.count
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

    public func write(_ bytes: [UInt8]) {
        write(SharedBytes(bytes))
    }

    /// Drops queued bytes that have not started going out (bytes already handed to libuv
    /// stay), so an urgent frame — a close for a slow consumer — is next in line.
    public func discardQueued() {
        for c in queue { bufferedBytes -= c.remaining }
        queue.removeAll()
    }

    /// Closes once everything queued is written (an HTTP response with `Connection: close`,
    /// the last WebSocket close frame).
    public func closeAfterFlush() {
        guard !isClosing else { return }
        closeWhenFlushed = true
        if queue.isEmpty && inFlight == nil {
            close()
        } else if !isDirty {
            isDirty = true
            loop.markDirty(self)
        }
    }

    func flush() {
        isDirty = false
        isDeferred = false
        guard !isClosing, inFlight == nil else { return }
        while !queue.isEmpty {
            let count = min(queue.count, 256)
            let written = withUnsafeTemporaryAllocation(of: uv_buf_t.self, capacity: count) { bufs -> Int32 in
                for i in 0..<count {
                    let c = queue[i]
                    bufs[i] = uv_buf_init((c.storage.base + c.offset).assumingMemoryBound(to: CChar.self), UInt32(c.remaining))
                }
                return uv_try_write(wd_stream(handle), bufs.baseAddress, UInt32(count))
            }
            if written == UV_EAGAIN.rawValue || written == UV_ENOSYS.rawValue {
                break
            }
            if written < 0 {
                close()
                return
            }
            consume(Int(written))
            if count < 256 && !queue.isEmpty {
                break  // the kernel took part of it: the socket buffer is full
            }
        }
        if !queue.isEmpty {
            submitRemaining()
        } else if closeWhenFlushed {
            close()
        }
    }

    private func consume(_ byteCount: Int) {
        var n = byteCount
        bufferedBytes -= n
        var drop = 0
        let now = MonotonicClock.nanoseconds
        while n > 0 && drop < queue.count {
            if queue[drop].remaining <= n {
                n -= queue[drop].remaining
                loop.writeLatency.record(now &- queue[drop].enqueuedAt)
                drop += 1
            } else {
                queue[drop].offset += n
                queue[drop].remaining -= n
                n = 0
            }
        }
        if drop == queue.count {
            // Idle connections keep no queue storage: most of them sit at zero for hours.
            queue = []
        } else {
            queue.removeFirst(drop)
        }
    }

    /// Hands what the kernel did not take to `uv_write`, which writes it when the socket
    /// drains; new writes queue behind it until its callback.
    private func submitRemaining() {
        let request = WriteRequest(chunks: queue, connection: self)
        queue = []
        inFlight = request
        let rc = request.submit(to: wd_stream(handle))
        if rc != 0 {
            inFlight = nil
            close()
        }
    }

    func writeCompleted(_ request: WriteRequest, status: Int32) {
        inFlight = nil
        bufferedBytes -= request.byteCount
        if status == 0 { request.recordLatency(into: &loop.writeLatency) }
        if status < 0 {
            close()
            return
        }
        if !queue.isEmpty || closeWhenFlushed {
            flush()
        }
    }

    // MARK: Closing

    /// Closes the socket now; queued bytes are dropped. The handler hears `connectionDidClose`
    /// from the close callback.
    public func close() {
        guard !isClosing else { return }
        isClosing = true
        queue = []
        guard uv_is_closing(wd_handle(handle)) == 0 else { return }
        uv_close(wd_handle(handle)) { h in
            let unmanaged = Unmanaged<TCPConnection>.fromOpaque(h!.pointee.data)
            let connection = unmanaged.takeUnretainedValue()
            connection.handler?.connectionDidClose(connection)
            connection.handler = nil
            unmanaged.release()
        }
    }
}
