import ByteStorage
import WireJSON
import WireProtocol

/// One listening room as a pure state machine: membership, presence, topics, sequencing and
/// replay. It performs no I/O; every method returns the actions to carry out.
public final class Room {
    public let name: String
    public let sid: String
    public var configuration: RoomConfiguration
    public var metadata: String
    public let createdAt: RoomInstant
    /// Participants in join order (active and suspended).
    public private(set) var participants: [Participant] = []
    var byIdentity = IdentityIndex()
    /// Agents among `participants`, in join order: they do not count toward limits (counting
    /// them on every tick would walk the whole room), and in a crowded room they alone still
    /// hear each arrival and departure (`Room+Crowd.swift`).
    private(set) var agents: [Participant] = []
    /// The earliest deadline of a suspended participant (`.max` when none is suspended): the
    /// once-a-second tick walks no participant before it, so idle members cost nothing.
    var nextSuspensionDeadline: UInt64 = .max
    /// Last seq handed out; every data message takes the next one.
    public internal(set) var seq: UInt64 = 0
    var replay: [String: ReplayBuffer] = [:]
    /// Bytes held across all replay buffers (kept within `DataLimits.maxReplayBytesPerRoom`).
    public internal(set) var replayBytes = 0
    /// Active subscribers per topic, rebuilt lazily after any membership or subscription change.
    var subscriberCache: [String: [Participant]] = [:]
    /// When the last counted participant left; nil while someone is in or nobody ever joined.
    var emptySince: UInt64?
    public private(set) var everJoined = false
    public internal(set) var isClosed = false
    public internal(set) var topicStats: [String: TopicCounters] = [:]
    /// Topics in `topicStats` the room's definition does not name: what `maxTopicsPerRoom` counts.
    public internal(set) var openedTopics = 0
    /// Joins and leaves waiting for the end of the loop turn (`Room+Presence.swift`).
    var presence = PresenceQueue()
    /// Hidden participants among `participants`, so the visible count costs nothing.
    var hiddenCount = 0
    /// The last `joinOrdinal` handed out.
    private var joinsCounted: UInt32 = 0
    /// Whether the room is crowded: more visible participants than
    /// `configuration.presenceFullListMax` joined since it was last empty (`Room+Crowd.swift`).
    public internal(set) var isCrowded = false
    /// The counts the last `participant_count` carried (nil: none sent since the room became crowded).
    var countsSent: (participants: Int, visible: Int)?

    public struct TopicCounters: Sendable, Equatable {
        public var messages = 0
        public var bytes = 0
        public var deliveries = 0
    }

    public init(name: String, sid: String, configuration: RoomConfiguration, now: RoomInstant) {
        self.name = name
        self.sid = sid
        self.configuration = configuration
        self.metadata = configuration.metadata
        self.createdAt = now
    }

    public func participant(identity: String) -> Participant? {
        byIdentity[identity]
    }

    public func participant(resumeToken: String) -> Participant? {
        participants.first { $0.resumeToken == resumeToken }
    }

    /// Participants that count toward limits and keep the room open: everyone but agents.
    public var participantCount: Int {
        participants.count - agents.count
    }

    public var visibleParticipants: [Participant] {
        participants.filter { !$0.isHidden }
    }

    var activeParticipants: [Participant] {
        participants.filter(\.isActive)
    }

    public var snapshot: RoomSnapshot {
        RoomSnapshot(
            sid: sid, name: name, metadata: metadata, numParticipants: participantCount,
            creationTimeMilliseconds: createdAt.wallMilliseconds, emptyTimeout: configuration.emptyTimeout,
            departureTimeout: configuration.departureTimeout, maxParticipants: configuration.maxParticipants
        )
    }

    /// The room as sent to clients in `joined` and `room_updated`.
    public func writeInfo(to w: inout JSONWriter) {
        w.beginObject()
        w.key("sid"); w.string(sid)
        w.key("name"); w.string(name)
        w.key("title"); w.string(configuration.title.isEmpty ? name : configuration.title)
        w.key("metadata"); w.string(metadata)
        w.key("num_participants"); w.int(participantCount)
        w.key("max_participants"); w.int(configuration.maxParticipants)
        w.key("creation_time"); w.int(createdAt.wallMilliseconds / 1000)
        w.key("empty_timeout"); w.double(configuration.emptyTimeout)
        w.key("departure_timeout"); w.double(configuration.departureTimeout)
        if let host = configuration.hostIdentity { w.key("host_identity"); w.string(host) }
        w.endObject()
    }

    func invalidateSubscribers() {
        subscriberCache.removeAll(keepingCapacity: true)
    }

    /// Active participants that hear `topic` (the sender is excluded at delivery).
    func subscribers(of topic: String) -> [Participant] {
        if let cached = subscriberCache[topic] { return cached }
        let list = participants.filter { $0.isActive && $0.permissions.canSubscribe && $0.subscription.includes(topic) }
        subscriberCache[topic] = list
        return list
    }

    /// Participants the others can see (what the participant list's `participants_total` counts).
    public var visibleCount: Int {
        participants.count - hiddenCount
    }

    func add(_ participant: Participant) {
        joinsCounted &+= 1
        participant.joinOrdinal = joinsCounted
        participants.append(participant)
        if participant.isHidden { hiddenCount += 1 }
        byIdentity[participant.identity] = participant
        if participant.isAgent {
            agents.append(participant)
        } else {
            everJoined = true
            emptySince = nil
        }
        invalidateSubscribers()
    }

    func remove(_ participant: Participant, now: RoomInstant) {
        if let i = participants.firstIndex(where: { $0 === participant }) {
            participants.remove(at: i)
            if participant.isAgent, let a = agents.firstIndex(where: { $0 === participant }) { agents.remove(at: a) }
            if participant.isHidden { hiddenCount -= 1 }
        }
        if byIdentity[participant.identity] === participant { byIdentity[participant.identity] = nil }
        participant.endpoint = nil
        if participantCount == 0 && everJoined { emptySince = now.monotonic }
        invalidateSubscribers()
        if participants.isEmpty {
            // An empty room may wait a while for its timeout: it keeps no storage meanwhile.
            participants = []
            subscriberCache = [:]
            isCrowded = false
            countsSent = nil
        }
    }

    func webhook(_ kind: WebhookEvent.Kind, _ participant: Participant?, now: RoomInstant) -> RoomAction {
        .webhook(WebhookEvent(kind: kind, room: snapshot, participant: participant?.snapshot, createdAt: now.wallMilliseconds / 1000))
    }
}

extension Participant {
    public var snapshot: ParticipantSnapshot {
        let stateText: String
        switch state {
        case .active: stateText = "ACTIVE"
        case .suspended: stateText = "DISCONNECTED"
        }
        return ParticipantSnapshot(
            sid: sid, identity: identity, name: info.name, metadata: info.metadata, attributes: info.attributes,
            kind: info.kind.rawValue, joinedAtMilliseconds: info.joinedAtMilliseconds, hidden: isHidden, state: stateText,
            permissions: permissions
        )
    }
}
