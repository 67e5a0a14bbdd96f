import ByteStorage
import CLibUV
import SystemClock

/// A `uv_write` in progress. It keeps its buffers alive until libuv is done with them, and
/// its `uv_write_t` points back at it.
final class WriteRequest {
    private let request: UnsafeMutablePointer<uv_write_t>
    private let iovecs: UnsafeMutablePointer<uv_buf_t>
    private let buffers: [SharedBytes]
    private unowned let connection: TCPConnection
    let byteCount: Int
    /// The loop turn that handed these buffers over, for the write-latency histogram.
    private let queuedAt: UInt64

    /// `buffers`, the first of them from `firstOffset` on (the kernel took the bytes before).
    init(buffers: [SharedBytes], firstOffset: Int, connection: TCPConnection, queuedAt: UInt64) {
        self.buffers = buffers
        self.connection = connection
        self.queuedAt = queuedAt
        request = .allocate(capacity: 1)
        iovecs = .allocate(capacity: buffers.count)
        var total = 0
        for (i, b) in buffers.enumerated() {
            let skip = i == 0 ? firstOffset : 0
            iovecs[i] = uv_buf_init((b.base + skip).assumingMemoryBound(to: CChar.self), UInt32(b.count - skip))
            total += b.count - skip
        }
        byteCount = total
    }

    deinit {
        request.deallocate()
        iovecs.deallocate()
    }

    /// One weighted sample: every buffer of the request waited as long as the batch did.
    func recordLatency(into histogram: inout LatencyHistogram) {
        histogram.record(SystemClock.monotonicNanoseconds &- queuedAt, count: UInt64(buffers.count))
    }

    func submit(to stream: UnsafeMutablePointer<uv_stream_t>) -> Int32 {
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let rc = uv_write(request, stream, iovecs, UInt32(buffers.count)) { req, status in
            let me = Unmanaged<WriteRequest>.fromOpaque(req!.pointee.data).takeRetainedValue()
            me.connection.writeCompleted(me, status: status)
        }
        if rc != 0 { Unmanaged<WriteRequest>.fromOpaque(request.pointee.data).release() }
        return rc
    }
}
