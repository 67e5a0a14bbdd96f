/// The connections of one flush batch, unretained, in storage the loop owns: adding a
/// recipient is a store and an increment — no retain, no copy-on-write uniqueness check —
/// which is most of what marking 500 recipients dirty per message used to cost.
///
/// A listed connection stays alive because its libuv handle holds it (and, when the handle
/// closes while it is listed, the walk that unlists it releases it: `TCPConnection.listings`).
/// The owner frees the storage with `deallocate()`; copies share storage, so the loop keeps
/// exactly one of each.
struct FlushList {
    private var base: UnsafeMutablePointer<Unmanaged<TCPConnection>>?
    private(set) var count = 0
    private var capacity = 0

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    mutating func append(_ connection: TCPConnection) {
        if count == capacity { grow() }
        (base.unsafelyUnwrapped + count).initialize(to: .passUnretained(connection))
        count += 1
    }

    @inline(__always)
    subscript(i: Int) -> Unmanaged<TCPConnection> {
        base.unsafelyUnwrapped[i]
    }

    private mutating func grow() {
        let grown = max(64, capacity * 2)
        let storage = UnsafeMutablePointer<Unmanaged<TCPConnection>>.allocate(capacity: grown)
        if let base {
            storage.moveInitialize(from: base, count: count)
            base.deallocate()
        }
        base = storage
        capacity = grown
    }

    /// Empties the list, keeping its storage for the next turn unless it is far larger than
    /// this batch needed (a crowd that has left): then it goes back to the heap.
    mutating func clear() {
        let keep = capacity <= 4096 || count * 8 >= capacity
        count = 0
        if !keep { deallocate() }
    }

    /// Frees the storage of an empty list that grew for a crowd (over 4,096 slots).
    mutating func releaseSpareStorage() {
        if count == 0 && capacity > 4096 { deallocate() }
    }

    mutating func deallocate() {
        base?.deallocate()
        base = nil
        count = 0
        capacity = 0
    }
}
