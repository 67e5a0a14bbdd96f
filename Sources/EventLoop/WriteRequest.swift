import ByteStorage
import CLibUV

/// A `uv_write` in progress. It keeps its chunks' buffers alive until libuv is done with
/// them, and its `uv_write_t` points back at it.
final class WriteRequest {
    private let request: UnsafeMutablePointer<uv_write_t>
    private let buffers: UnsafeMutablePointer<uv_buf_t>
    private let chunks: [OutboundChunk]
    private unowned let connection: TCPConnection
    let byteCount: Int

    init(chunks: [OutboundChunk], connection: TCPConnection) {
        self.chunks = chunks
        self.connection = connection
        request = .allocate(capacity: 1)
        buffers = .allocate(capacity: chunks.count)
        var total = 0
        for (i, c) in chunks.enumerated() {
            buffers[i] = uv_buf_init((c.storage.base + c.offset).assumingMemoryBound(to: CChar.self), UInt32(c.remaining))
            total += c.remaining
        }
        byteCount = total
    }

    deinit {
        request.deallocate()
        buffers.deallocate()
    }

    func recordLatency(into histogram: inout LatencyHistogram) {
        let now = MonotonicClock.nanoseconds
        for c in chunks { histogram.record(now &- c.enqueuedAt) }
    }

    func submit(to stream: UnsafeMutablePointer<uv_stream_t>) -> Int32 {
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let rc = uv_write(request, stream, buffers, UInt32(chunks.count)) { req, status in
            let me = Unmanaged<WriteRequest>.fromOpaque(req!.pointee.data).takeRetainedValue()
            me.connection.writeCompleted(me, status: status)
        }
        if rc != 0 { Unmanaged<WriteRequest>.fromOpaque(request.pointee.data).release() }
        return rc
    }
}
