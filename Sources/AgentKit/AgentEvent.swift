/// Something that happened in the room, as an agent hears it.
public enum AgentEvent: Sendable, Equatable {
    /// The agent is in the room (first event of every instance, also after a restart).
    case started(AgentRoom)
    case participantJoined(AgentParticipant)
    case participantLeft(identity: String)
    /// Name, metadata or attributes changed.
    case participantUpdated(AgentParticipant)
    case data(AgentMessage)
    /// The server says a participant's stored profile changed (`ProfileChange`, topic
    /// `profile.changed`): reload it.
    case profileChanged(ProfileChange)
}

/// The room as the agent finds it when it starts.
public struct AgentRoom: Sendable, Equatable {
    public var name: String
    /// The room's `host` (whose taste guests compare against), nil when it has none.
    public var hostIdentity: String?
    /// The agent's own identity.
    public var identity: String
    /// Everyone visible, the agent itself excluded, in join order.
    public var participants: [AgentParticipant]

    public init(name: String, hostIdentity: String?, identity: String, participants: [AgentParticipant]) {
        self.name = name
        self.hostIdentity = hostIdentity
        self.identity = identity
        self.participants = participants
    }
}

/// A visible participant.
public struct AgentParticipant: Sendable, Equatable {
    public var identity: String
    public var name: String
    public var metadata: String
    public var attributes: [String: String]
    public var isAgent: Bool

    public init(identity: String, name: String = "", metadata: String = "", attributes: [String: String] = [:], isAgent: Bool = false) {
        self.identity = identity
        self.name = name
        self.metadata = metadata
        self.attributes = attributes
        self.isAgent = isAgent
    }
}

/// A data message published in the room.
public struct AgentMessage: Sendable, Equatable {
    public var topic: String
    /// The sender's identity; nil for messages the server itself published.
    public var sender: String?
    /// The sender is a hidden participant (an observer): agents neither compare nor answer
    /// them. Hidden participants are never announced, so a sender nobody saw join is hidden.
    public var senderHidden: Bool
    /// The payload's JSON as published, or the raw bytes of a binary frame (`isBinary`).
    public var payload: [UInt8]
    /// The room's sequence number of the message.
    public var seq: UInt64
    /// Published as a binary frame (audio streamed into the room): `payload` is raw bytes,
    /// not JSON.
    public var isBinary: Bool

    public init(topic: String, sender: String?, senderHidden: Bool = false, payload: [UInt8], seq: UInt64 = 0, isBinary: Bool = false) {
        self.topic = topic
        self.sender = sender
        self.senderHidden = senderHidden
        self.payload = payload
        self.seq = seq
        self.isBinary = isBinary
    }
}

/// What an agent publishes: JSON on a topic, to everyone who hears it or only to
/// `destinations`.
public struct AgentPublication: Sendable, Equatable {
    public var topic: String
    /// A complete JSON value (usually an object).
    public var payload: [UInt8]
    /// Identities to deliver to; nil means everyone who hears the topic.
    public var destinations: [String]?
    public var reliable: Bool

    public init(topic: String, payload: [UInt8], destinations: [String]? = nil, reliable: Bool = true) {
        self.topic = topic
        self.payload = payload
        self.destinations = destinations
        self.reliable = reliable
    }
}
