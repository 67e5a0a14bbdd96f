/// The clock as the room sees it, injected on every call so tests control time: a monotonic
/// reading for timeouts and a wall-clock reading for timestamps sent to clients.
public struct RoomInstant: Sendable, Equatable {
    /// Monotonic nanoseconds.
    public var monotonic: UInt64
    /// Unix time in milliseconds.
    public var wallMilliseconds: Int64

    public init(monotonic: UInt64, wallMilliseconds: Int64) {
        self.monotonic = monotonic
        self.wallMilliseconds = wallMilliseconds
    }

    public func adding(seconds: Double) -> RoomInstant {
        RoomInstant(monotonic: monotonic + UInt64(max(0, seconds) * 1e9), wallMilliseconds: wallMilliseconds + Int64(seconds * 1000))
    }

    static func nanoseconds(_ seconds: Double) -> UInt64 { UInt64(max(0, seconds) * 1e9) }
}

/// Snapshot of a room for webhooks and the admin API (LiveKit's `Room` message fields).
public struct RoomSnapshot: Sendable, Equatable {
    public var sid: String
    public var name: String
    public var metadata: String
    public var numParticipants: Int
    public var creationTimeMilliseconds: Int64
    public var emptyTimeout: Double
    public var departureTimeout: Double
    public var maxParticipants: Int
}

/// Snapshot of a participant for webhooks and the admin API.
public struct ParticipantSnapshot: Sendable, Equatable {
    public var sid: String
    public var identity: String
    public var name: String
    public var metadata: String
    public var attributes: [String: String]
    public var kind: String
    public var joinedAtMilliseconds: Int64
    public var hidden: Bool
    public var state: String
    public var permissions: Participant.Permissions
}
