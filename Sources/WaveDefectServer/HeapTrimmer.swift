/// Decides when to give freed heap pages back to the system. A burst of joins or leaves
/// leaves transient buffers (requests, `joined` messages) freed between the connections that
/// stay, and glibc keeps those pages resident until `malloc_trim` returns them. Rooms free
/// their replay buffers and lists only when they close, a departure timeout after their last
/// participant left, so a closing room is a second such moment: without it the memory of a
/// crowd's rooms stayed resident after the crowd had gone (docs/benchmarks.md, soak).
///
/// A trim is due once the connection and room counts have settled (unchanged for a sweep)
/// after the connections moved by at least 100 or 10%, or after any room closed; at most every
/// `minimumInterval`. A trim of a few tens of MB takes about a millisecond.
struct HeapTrimmer {
    var minimumInterval: UInt64 = 2_000_000_000
    private var lastTrim: UInt64 = 0
    private var countAtLastTrim = 0
    private var countAtLastSweep = 0
    private var roomsAtLastSweep = 0
    /// Rooms closed since the last trim.
    private var roomsClosed = false

    /// Call once per sweep; true when the caller should release its spare storage and trim.
    mutating func shouldTrim(now: UInt64, connections: Int, rooms: Int) -> Bool {
        defer {
            countAtLastSweep = connections
            roomsAtLastSweep = rooms
        }
        if rooms < roomsAtLastSweep { roomsClosed = true }
        guard connections == countAtLastSweep, rooms == roomsAtLastSweep, now &- lastTrim >= minimumInterval else { return false }
        let change = abs(connections - countAtLastTrim)
        let crowdMoved = change >= 100 || (change > 0 && change * 10 >= max(countAtLastTrim, 1))
        guard crowdMoved || roomsClosed else { return false }
        lastTrim = now
        countAtLastTrim = connections
        roomsClosed = false
        return true
    }
}
