import ByteStorage
import WireProtocol

/// The connection (or in-process agent) carrying a participant. The room core never calls
/// it; the I/O layer does when it carries out the room's actions.
public protocol RoomEndpoint: AnyObject {
    /// Queue a frame; a lossy frame may be dropped by a slow endpoint. A `broadcast` frame
    /// may wait for the server's write-batching window; a direct one goes out this turn.
    func deliver(_ frame: SharedBytes, lossy: Bool, broadcast: Bool)
    /// Close with a WebSocket close code and reason.
    func disconnect(code: UInt16, reason: String)
}

/// A participant of a room: its public info, what its token allows, what it listens to, and
/// which connection (if any) currently carries it.
public final class Participant {
    public var info: ParticipantInfo
    public internal(set) var permissions: Permissions
    // The three small counters below sit in the padding after `permissions` (declared in
    // this order they take 10 bytes of the 16 that follow it): every participant has them.
    /// Topics this participant was the first to publish to (`maxTopicsPerParticipant`).
    public internal(set) var topicsOpened: UInt16 = 0
    public var droppedLossyMessages: UInt32 = 0
    /// Its place in the room's join order (1, 2, …; 0 before it joins): the cursor of the
    /// participant list's pages, stable while others come and go.
    public internal(set) var joinOrdinal: UInt32 = 0
    public var subscription: TopicSubscription = .everything
    /// 0 while active, else the monotonic deadline of a suspension (kept as one word: every
    /// participant carries it).
    private var suspendedUntil: UInt64 = 0

    public private(set) var state: State {
        get { suspendedUntil == 0 ? .active : .suspended(deadline: suspendedUntil) }
        set {
            switch newValue {
            case .active: suspendedUntil = 0
            case .suspended(let deadline): suspendedUntil = max(deadline, 1)
            }
        }
    }
    /// The I/O layer's object for the connection carrying this participant (nil while
    /// suspended). The room core never calls it; it only hands it back in actions.
    public var endpoint: RoomEndpoint?
    /// Opaque secret given in `joined`, presented to resume after a dropped connection.
    public let resumeToken: String

    public enum State: Sendable, Equatable {
        case active
        /// The connection dropped without a close handshake; the participant stays in the
        /// room, invisible to no one, until it resumes or the deadline passes.
        case suspended(deadline: UInt64)
    }

    public struct Permissions: Sendable, Equatable {
        public var canPublishData: Bool
        public var canSubscribe: Bool
        public var canUpdateOwnMetadata: Bool
        public var hidden: Bool
        public var roomAdmin: Bool

        public init(canPublishData: Bool = true, canSubscribe: Bool = true, canUpdateOwnMetadata: Bool = false, hidden: Bool = false, roomAdmin: Bool = false) {
            self.canPublishData = canPublishData
            self.canSubscribe = canSubscribe
            self.canUpdateOwnMetadata = canUpdateOwnMetadata
            self.hidden = hidden
            self.roomAdmin = roomAdmin
        }
    }

    public init(info: ParticipantInfo, permissions: Permissions, resumeToken: String) {
        self.info = info
        self.permissions = permissions
        self.resumeToken = resumeToken
    }

    public var identity: String { info.identity }
    public var sid: String { info.sid }
    public var isAgent: Bool { info.kind == .agent }
    public var isHidden: Bool { permissions.hidden }
    public var isActive: Bool { suspendedUntil == 0 }

    func suspend(until deadline: UInt64) {
        state = .suspended(deadline: deadline)
        endpoint = nil
    }

    func reactivate(endpoint: RoomEndpoint) {
        state = .active
        self.endpoint = endpoint
    }
}
