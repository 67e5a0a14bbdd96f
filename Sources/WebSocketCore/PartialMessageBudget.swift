/// The server-wide bound on memory held by unfinished messages: bytes of split frames and
/// fragmented messages that decoders keep between reads, summed over every connection.
///
/// Each connection is already held to `max_message_bytes`, but a thousand connections each
/// holding an unfinished 1 MiB frame hold 1 GB between them. The budget caps the sum: a
/// connection whose unfinished message grows while the sum is over the limit is failed
/// (1009), and its bytes are given back. Connections whose holdings do not grow — idle ones,
/// or ones finishing a message — are never refused, so the budget never cuts off a peer
/// for what others hold unless it adds to it.
public struct PartialMessageBudget: Sendable, Equatable {
    /// Most bytes all unfinished messages together may hold.
    public var limit: Int
    /// Bytes held now, over all connections.
    public private(set) var held = 0
    /// Connections refused because the budget was exhausted.
    public private(set) var refusals = 0

    public init(limit: Int) {
        self.limit = limit
    }

    /// Records that one connection's unfinished bytes changed from `before` to `after`.
    /// Returns false when the connection grew while the total is over the limit: the caller
    /// fails it with `refusal` and then reports its bytes released (`change(from:to: 0)`).
    public mutating func change(from before: Int, to after: Int) -> Bool {
        held += after - before
        guard after > before, held > limit else { return true }
        refusals += 1
        return false
    }

    /// What a refused connection is told: 1009, the code for a message the server will not
    /// take, with a reason naming the server-wide limit rather than the per-message one.
    public static let refusal = WebSocketError.partialMessageBudgetExhausted
}
