import ByteStorage

/// A slice of a shared buffer waiting in a write queue.
struct OutboundChunk {
    let storage: SharedBytes
    var offset: Int
    var remaining: Int

    init(_ storage: SharedBytes) {
        self.storage = storage
        offset = 0
        remaining = storage.count
    }
}
