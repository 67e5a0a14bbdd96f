import ByteStorage

/// The reliable messages of one topic kept for clients that resume: a ring of the last
/// `capacity` messages with their seq and addressing, so a replay only sends what the
/// resuming participant would have received.
struct ReplayBuffer {
    struct Entry {
        let seq: UInt64
        let frame: SharedBytes
        let senderSID: String
        let destinations: Set<String>?
    }

    let capacity: Int
    private var ring: [Entry] = []
    private var head = 0
    /// Highest seq that fell out of the ring (0 if none).
    private(set) var evictedThrough: UInt64 = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    mutating func append(_ entry: Entry) {
        guard capacity > 0 else {
            evictedThrough = entry.seq
            return
        }
        if ring.count < capacity {
            ring.append(entry)
        } else {
            evictedThrough = ring[head].seq
            ring[head] = entry
            head = (head + 1) % capacity
        }
    }

    /// Entries with seq greater than `seq`, oldest first.
    func entries(after seq: UInt64) -> [Entry] {
        var out: [Entry] = []
        for i in 0..<ring.count {
            let e = ring[(head + i) % ring.count]
            if e.seq > seq { out.append(e) }
        }
        return out
    }

    /// True when messages newer than `seq` were evicted: the client missed something that
    /// can no longer be replayed.
    func hasGap(after seq: UInt64) -> Bool {
        evictedThrough > seq
    }
}
