import EventLoop

/// Gives freed heap pages back to the system after a burst of joins or leaves: the burst
/// leaves transient buffers (requests, `joined` messages) freed between the connections
/// that stay, and glibc keeps those pages resident until `malloc_trim` returns them. Runs
/// once the connection count has settled (unchanged for a sweep) after moving by at least
/// 100 or 10%, at most every `minimumInterval`; a trim of a few tens of MB takes about a
/// millisecond.
struct HeapTrimmer {
    var minimumInterval: UInt64 = 2_000_000_000
    private var lastTrim: UInt64 = 0
    private var countAtLastTrim = 0
    private var countAtLastSweep = 0

    mutating func sweep(now: UInt64, connections: Int) {
        defer { countAtLastSweep = connections }
        guard connections == countAtLastSweep, now &- lastTrim >= minimumInterval else { return }
        let change = abs(connections - countAtLastTrim)
        guard change >= 100 || (change > 0 && change * 10 >= max(countAtLastTrim, 1)) else { return }
        lastTrim = now
        countAtLastTrim = connections
        ProcessLimits.trimHeap()
    }
}
