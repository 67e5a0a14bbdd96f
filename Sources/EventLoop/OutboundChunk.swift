import ByteStorage

/// A slice of a shared buffer waiting in a write queue.
struct OutboundChunk {
    let storage: SharedBytes
    var offset: Int
    var remaining: Int
    /// The loop turn that queued it (monotonic ns), for publish→write latency.
    let enqueuedAt: UInt64

    init(_ storage: SharedBytes, enqueuedAt: UInt64) {
        self.storage = storage
        offset = 0
        remaining = storage.count
        self.enqueuedAt = enqueuedAt
    }
}
