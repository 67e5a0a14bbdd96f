import ByteStorage

/// What the room decided; the I/O layer carries it out in order.
public enum RoomAction {
    /// Write a frame to one participant's connection.
    case send(SharedBytes, to: Participant)
    /// Write the same frame to each of `recipients` (never the sender: `Recipients` already
    /// leaves it out). `lossy` frames may be dropped for a slow recipient; reliable ones may not.
    case broadcast(SharedBytes, to: Recipients, lossy: Bool)
    /// Close a connection (a participant's endpoint) with a WebSocket close code.
    case disconnect(RoomEndpoint, code: UInt16, reason: String)
    case webhook(WebhookEvent)
    /// The room queued presence: at the end of the loop turn call `room.sendPresence(budget:)`
    /// (again on later turns while it reports more). Sent once until the room is found done.
    case presencePending(Room)
}

/// Close codes the room decides on (documented in docs/protocol.md).
public enum RoomCloseCode {
    /// Another connection joined with the same identity.
    public static let duplicateIdentity: UInt16 = 4000
    /// Removed through the admin API.
    public static let removed: UInt16 = 4001
    /// The room was deleted or closed.
    public static let roomClosed: UInt16 = 4002
    /// The subscriber could not keep up: its unsent bytes exceeded the limit.
    public static let slowConsumer: UInt16 = 4003
    /// The same participant resumed on a new connection.
    public static let resumedElsewhere: UInt16 = 4004
    /// In a cluster: the node this client reached lost its relay to the room's node (that node
    /// died, or Redis was lost). The participant is kept as after a dropped connection:
    /// reconnect with the resume token, to any node.
    public static let relayLost: UInt16 = 4005
}

/// Webhook events, LiveKit's names.
public struct WebhookEvent: Sendable {
    public enum Kind: String, Sendable {
        case roomStarted = "room_started"
        case roomFinished = "room_finished"
        case participantJoined = "participant_joined"
        case participantLeft = "participant_left"
    }

    public let kind: Kind
    public let room: RoomSnapshot
    public let participant: ParticipantSnapshot?
    public let createdAt: Int64

    public init(kind: Kind, room: RoomSnapshot, participant: ParticipantSnapshot?, createdAt: Int64) {
        self.kind = kind
        self.room = room
        self.participant = participant
        self.createdAt = createdAt
    }
}
