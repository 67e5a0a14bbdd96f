import ByteStorage
import SystemClock

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

    /// Seconds as nanoseconds, saturating (a timeout of a billion years never fires, it
    /// does not trap).
    static func nanoseconds(_ seconds: Double) -> UInt64 {
        SystemClock.nanoseconds(fromSeconds: seconds)
    }

    /// `monotonic + seconds`, saturating.
    func deadline(after seconds: Double) -> UInt64 {
        Self.saturatingAdd(monotonic, Self.nanoseconds(seconds))
    }

    static func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
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
