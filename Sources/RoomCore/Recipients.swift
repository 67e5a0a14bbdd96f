/// Who receives a broadcast. A room never echoes a message back to its sender: that rule
/// lives here, so the I/O layer (and every test harness) just iterates.
///
/// The list is usually the room's cached subscriber list, handed out without a copy; the
/// sender is skipped while iterating rather than filtered out into a new array.
public struct Recipients: Sequence {
    public let participants: [Participant]
    /// The participant the message came from, if it is one; never yielded.
    public let sender: Participant?

    public init(_ participants: [Participant], excluding sender: Participant? = nil) {
        self.participants = participants
        self.sender = sender
    }

    public func makeIterator() -> Iterator {
        Iterator(base: participants.makeIterator(), sender: sender)
    }

    /// The fan-out loop: `body` for every recipient but the sender. The list is held for the
    /// whole walk, so each participant is lent to `body` without a retain (the profile of a
    /// broadcast to 500 showed a retain/release pair per recipient from plain iteration).
    @inlinable
    public func forEach(_ body: (Participant) -> Void) {
        forEach { p, _, _ in body(p) }
    }

    /// `forEach`, also handing `body` the whole list (unretained) and the recipient's place
    /// in it, so the caller can look at the recipients coming next (the server asks the CPU
    /// for their objects ahead of time).
    @inlinable
    public func forEach(_ body: (Participant, UnsafeBufferPointer<Unmanaged<Participant>>, Int) -> Void) {
        let sender = self.sender
        participants.withUnsafeBufferPointer { strong in
            // Viewed as unmanaged references (same layout): reading one retains nothing.
            strong.withMemoryRebound(to: Unmanaged<Participant>.self) { list in
                for i in list.indices {
                    list[i]._withUnsafeGuaranteedRef { p in
                        if p !== sender { body(p, list, i) }
                    }
                }
            }
        }
    }

    public var underestimatedCount: Int { Swift.max(participants.count - (sender == nil ? 0 : 1), 0) }

    public struct Iterator: IteratorProtocol {
        var base: IndexingIterator<[Participant]>
        let sender: Participant?

        public mutating func next() -> Participant? {
            while let p = base.next() {
                if p !== sender { return p }
            }
            return nil
        }
    }
}
