/// One dispatch of an agent to a room: LiveKit's `AgentDispatch` message (the admin API
/// writes it in LiveKit's shape, JSON or protobuf).
public struct AgentDispatchRecord: Sendable, Equatable {
    /// `AD_…`, as LiveKit's ids.
    public let id: String
    public let agentName: String
    public let room: String
    /// Handed to the agent when its job starts, as LiveKit's job metadata.
    public let metadata: String
    /// Unix nanoseconds, as LiveKit's `AgentDispatchState.created_at`.
    public let createdAtNanoseconds: Int64
    /// Unix nanoseconds; 0 while the dispatch is live. Set on the record a deletion returns.
    public internal(set) var deletedAtNanoseconds: Int64 = 0

    public init(id: String, agentName: String, room: String, metadata: String, createdAtNanoseconds: Int64) {
        self.id = id
        self.agentName = agentName
        self.room = room
        self.metadata = metadata
        self.createdAtNanoseconds = createdAtNanoseconds
    }
}

/// A job started for a dispatch: LiveKit's `Job` with its `JobState`, as the agent runtime
/// reports it (`AgentDispatchHandler.jobs`).
public struct AgentJobRecord: Sendable, Equatable {
    /// LiveKit's `JobStatus` names.
    public enum Status: String, Sendable {
        case pending = "JS_PENDING"
        case running = "JS_RUNNING"
        case success = "JS_SUCCESS"
        case failed = "JS_FAILED"
    }

    /// `AJ_…`.
    public var id: String
    public var status: Status
    /// Why the job failed, when it did.
    public var error: String
    /// The identity the agent joined the room with.
    public var participantIdentity: String
    /// The worker running the job; empty for agents run in-process.
    public var workerID: String
    /// Unix nanoseconds; 0 when not yet (or never) reached.
    public var startedAtNanoseconds: Int64
    public var endedAtNanoseconds: Int64
    public var updatedAtNanoseconds: Int64

    public init(
        id: String, status: Status, error: String = "", participantIdentity: String = "", workerID: String = "",
        startedAtNanoseconds: Int64 = 0, endedAtNanoseconds: Int64 = 0, updatedAtNanoseconds: Int64 = 0
    ) {
        self.id = id
        self.status = status
        self.error = error
        self.participantIdentity = participantIdentity
        self.workerID = workerID
        self.startedAtNanoseconds = startedAtNanoseconds
        self.endedAtNanoseconds = endedAtNanoseconds
        self.updatedAtNanoseconds = updatedAtNanoseconds
    }
}

/// Why a dispatch was refused (the admin API answers `invalid_argument` or
/// `resource_exhausted` with the message).
public struct AgentDispatchError: Error, Sendable, Equatable {
    private enum Code: Sendable, Equatable {
        case invalid
        case limitReached
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    static func invalid(_ message: String) -> AgentDispatchError { .init(.invalid, message) }
    static func limitReached(_ message: String) -> AgentDispatchError { .init(.limitReached, message) }

    /// A limit of `AgentDispatchLimits` was reached (rather than a bad argument).
    public var isLimit: Bool { code == .limitReached }
}

/// Bounds on what dispatches may hold; each is configurable (docs/rooms.md: `limits.max_dispatches_per_room`,
/// `limits.max_dispatch_pending_rooms`, and a participant's `max_name_bytes` and `max_metadata_bytes`).
public struct AgentDispatchLimits: Sendable, Equatable {
    /// Live dispatches per room (pending ones for a room not yet started included).
    public var maxPerRoom: Int
    /// Rooms that may hold dispatches without running yet.
    public var maxPendingRooms: Int
    /// Bytes of an agent name.
    public var maxAgentNameBytes: Int
    /// Bytes of a dispatch's metadata.
    public var maxMetadataBytes: Int

    public init(maxPerRoom: Int = 32, maxPendingRooms: Int = 1024, maxAgentNameBytes: Int = 128, maxMetadataBytes: Int = 64 << 10) {
        self.maxPerRoom = maxPerRoom
        self.maxPendingRooms = maxPendingRooms
        self.maxAgentNameBytes = maxAgentNameBytes
        self.maxMetadataBytes = maxMetadataBytes
    }
}
