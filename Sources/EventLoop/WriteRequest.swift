import ByteStorage
import CLibUV
import SystemClock

/// What the kernel did not take of a flush, sent as the socket drains (`uv_write`'s job, done
/// on the connection's poll handle). It keeps its buffers alive until they are written; the
/// connection holds it in its socket handle's spare word while it waits.
final class WriteRequest {
    private let iovecs: UnsafeMutablePointer<uv_buf_t>
    private let buffers: [SharedBytes]
    /// The first iovec with bytes left; the iovec itself is advanced past what was sent.
    private var next = 0
    let byteCount: Int
    /// The loop turn that handed these buffers over, for the write-latency histogram.
    private let queuedAt: UInt64

    /// `buffers`, the first of them from `firstOffset` on (the kernel took the bytes before).
    init(buffers: [SharedBytes], firstOffset: Int, queuedAt: UInt64) {
        self.buffers = buffers
        self.queuedAt = queuedAt
        iovecs = .allocate(capacity: buffers.count)
        var total = 0
        for (i, b) in buffers.enumerated() {
            let skip = i == 0 ? firstOffset : 0
            iovecs[i] = uv_buf_t(base: (b.base + skip).assumingMemoryBound(to: CChar.self), len: b.count - skip)
            total += b.count - skip
        }
        byteCount = total
    }

    deinit {
        iovecs.deallocate()
    }

    /// One weighted sample: every buffer of the request waited as long as the batch did.
    func recordLatency(into histogram: inout LatencyHistogram) {
        histogram.record(SystemClock.monotonicNanoseconds &- queuedAt, count: UInt64(buffers.count))
    }

    /// Sends what the kernel takes now, `sendmsg`s of up to 1,024 buffers (IOV_MAX): 1 when
    /// everything is written, 0 when the rest must wait for the socket, a negative libuv
    /// error when the socket failed.
    func send(on socket: UnsafeMutablePointer<wd_socket_t>) -> Int32 {
        while next < buffers.count {
            let count = min(buffers.count - next, 1024)
            let written = wd_socket_send(socket, iovecs + next, UInt32(count))
            if written == UV_EAGAIN.rawValue { return 0 }
            if written < 0 { return written }
            var left = Int(written)
            while left > 0 {
                let length = iovecs[next].len
                if left >= length {
                    left -= length
                    next += 1
                } else {
                    iovecs[next].base += left
                    iovecs[next].len -= left
                    left = 0
                }
            }
        }
        return 1
    }
}
