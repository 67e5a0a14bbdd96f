import ByteStorage

/// The reliable messages of one topic kept for clients that resume: a ring of the last
/// `capacity` messages with their seq and addressing, so a replay only sends what the
/// resuming participant would have received. The room may also drop the oldest entry to
/// keep all its topics within one byte budget.
struct ReplayBuffer {
    struct Entry {
        let seq: UInt64
        let frame: SharedBytes
        let senderSID: String
        let destinations: Set<String>?
    }

    let capacity: Int
    private var ring: [Entry?] = []
    private var head = 0
    private(set) var count = 0
    /// Frame bytes held.
    private(set) var bytes = 0
    /// Highest seq that fell out of the ring (0 if none).
    private(set) var evictedThrough: UInt64 = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Seq of the oldest entry held, if any.
    var oldestSeq: UInt64? {
        count == 0 ? nil : ring[head]?.seq
    }

    /// Adds an entry, evicting the oldest when full; returns the bytes it freed.
    @discardableResult
    mutating func append(_ entry: Entry) -> Int {
        guard capacity > 0 else {
            evictedThrough = entry.seq
            return 0
        }
        var freed = 0
        if count == capacity { freed = dropOldest() }
        if ring.count < capacity {
            ring.append(entry)
        } else {
            ring[(head + count) % capacity] = entry
        }
        count += 1
        bytes += entry.frame.count
        return freed
    }

    /// Removes the oldest entry; returns the bytes it freed.
    @discardableResult
    mutating func dropOldest() -> Int {
        guard count > 0, let oldest = ring[head] else { return 0 }
        ring[head] = nil
        head = (head + 1) % ring.count
        count -= 1
        bytes -= oldest.frame.count
        evictedThrough = max(evictedThrough, oldest.seq)
        if count == 0 {
            ring = []
            head = 0
        }
        return oldest.frame.count
    }

    /// Entries with seq greater than `seq`, oldest first.
    func entries(after seq: UInt64) -> [Entry] {
        var out: [Entry] = []
        for i in 0..<count {
            if let e = ring[(head + i) % ring.count], e.seq > seq { out.append(e) }
        }
        return out
    }

    /// True when messages newer than `seq` were evicted: the client missed something that
    /// can no longer be replayed.
    func hasGap(after seq: UInt64) -> Bool {
        evictedThrough > seq
    }
}
