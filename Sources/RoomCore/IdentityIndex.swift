/// A room's participants by identity, in as little memory as the lookup allows: an
/// open-addressed table of references (8 bytes a slot, at most 3/4 full) probed linearly.
/// A `[String: Participant]` spends 24 bytes a slot, storing the key beside the value; here
/// the participant carries its identity. Every joined connection has an entry, so this is
/// per-connection memory (docs/benchmarks.md, idle connections).
///
/// Removal shifts the rest of the probe run back (no tombstones), and the table shrinks as
/// the room empties, so a room that emptied holds nothing.
struct IdentityIndex {
    private var slots: [Participant?] = []
    private(set) var count = 0

    subscript(identity: String) -> Participant? {
        get { find(identity).map { slots[$0]! } }
        set {
            if let participant = newValue {
                precondition(participant.identity == identity, "indexed under another identity")
                insert(participant)
            } else {
                remove(identity)
            }
        }
    }

    private func home(_ identity: String) -> Int {
        identity.hashValue & (slots.count - 1)
    }

    private func find(_ identity: String) -> Int? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var i = home(identity)
        while let p = slots[i] {
            if p.identity == identity { return i }
            i = (i + 1) & mask
        }
        return nil
    }

    private mutating func insert(_ participant: Participant) {
        if let i = find(participant.identity) {
            slots[i] = participant
            return
        }
        if (count + 1) * 4 > slots.count * 3 { resize(to: max(8, slots.count * 2)) }
        place(participant)
        count += 1
    }

    private mutating func place(_ participant: Participant) {
        let mask = slots.count - 1
        var i = home(participant.identity)
        while slots[i] != nil { i = (i + 1) & mask }
        slots[i] = participant
    }

    private mutating func resize(to size: Int) {
        let old = slots
        slots = size == 0 ? [] : Array(repeating: nil, count: size)
        for case let p? in old { place(p) }
    }

    private mutating func remove(_ identity: String) {
        guard var hole = find(identity) else { return }
        slots[hole] = nil
        count -= 1
        // Backward shift: an entry later in the run moves into the hole unless its home lies
        // cyclically in (hole, j], where it can still be found.
        let mask = slots.count - 1
        var j = hole
        while true {
            j = (j + 1) & mask
            guard let p = slots[j] else { break }
            let h = home(p.identity)
            let reachable = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
            if !reachable {
                slots[hole] = p
                slots[j] = nil
                hole = j
            }
        }
        if count == 0 {
            slots = []
        } else if slots.count > 8 && count * 8 < slots.count {
            resize(to: slots.count / 2)
        }
    }

    /// Slots allocated (tests: the table grows and shrinks with the room).
    var capacity: Int { slots.count }
}
