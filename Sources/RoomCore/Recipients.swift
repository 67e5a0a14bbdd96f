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
