import ByteStorage
import WireJSON
import WireProtocol

/// Data-channel limits enforced by the room.
public struct DataLimits: Sendable, Equatable {
    /// Largest `payload` (JSON bytes, or binary payload bytes).
    public var maxPayloadBytes: Int
    /// Most destinations one message may name.
    public var maxDestinations: Int
    /// Distinct topics a room may carry besides those its definition names (which are
    /// reserved: always open, never counted); publishing to one more is refused.
    public var maxTopicsPerRoom: Int
    /// Of those, how many one participant may open, so no guest can use up the room's share.
    public var maxTopicsPerParticipant = 32
    /// Bytes of reliable messages a room keeps for resume, across its topics; past it the
    /// oldest go first (and a resume that needed them gets a gap report).
    public var maxReplayBytesPerRoom: Int

    public var participantInfo = ParticipantInfoLimits()

    public init(maxPayloadBytes: Int = 64 * 1024, maxDestinations: Int = 256, maxTopicsPerRoom: Int = 256, maxReplayBytesPerRoom: Int = 16 << 20) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxDestinations = maxDestinations
        self.maxTopicsPerRoom = maxTopicsPerRoom
        self.maxReplayBytesPerRoom = maxReplayBytesPerRoom
    }
}

/// Sizes of what a participant may set about itself (every newcomer's `joined` carries it
/// all, and every change is broadcast), as LiveKit limits them.
public struct ParticipantInfoLimits: Sendable, Equatable {
    public var maxNameBytes = 256
    public var maxMetadataBytes = 64_000
    /// Keys plus values of all attributes after the merge.
    public var maxAttributesBytes = 64_000

    public init() {}

    func check(name: String?, metadata: String?, mergedAttributes: [String: String]?) throws(ProtocolError) {
        if let name, name.utf8.count > maxNameBytes { throw .badMessage("name longer than \(maxNameBytes) bytes") }
        if let metadata, metadata.utf8.count > maxMetadataBytes { throw .badMessage("metadata longer than \(maxMetadataBytes) bytes") }
        if let attributes = mergedAttributes {
            let size = attributes.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
            if size > maxAttributesBytes { throw .badMessage("attributes larger than \(maxAttributesBytes) bytes") }
        }
    }
}

extension Room {
    /// A data message to publish: JSON from a participant, raw bytes from a binary frame, or
    /// JSON from the server itself (admin `SendData`, agents).
    public struct Publication {
        public var topic: String
        public var reliable: Bool?
        public var destinations: [String]?
        public var body: Body

        public enum Body {
            /// Valid JSON, written into the envelope as it is.
            case json(UnsafeRawBufferPointer)
            case binary(UnsafeRawBufferPointer)
        }

        public init(topic: String, reliable: Bool? = nil, destinations: [String]? = nil, body: Body) {
            self.topic = topic
            self.reliable = reliable
            self.destinations = destinations
            self.body = body
        }
    }

    /// Publishes to every subscriber of the topic (or the named destinations among them),
    /// never back to the sender. The envelope is encoded once; reliable messages take the
    /// next seq and are kept for replay. `sender` is nil for server-originated messages.
    public func publish(_ publication: Publication, from sender: Participant?, limits: DataLimits, now: RoomInstant) throws(ProtocolError) -> [RoomAction] {
        let payloadCount: Int
        switch publication.body {
        case .json(let b), .binary(let b): payloadCount = b.count
        }
        let policy = configuration.policy(for: publication.topic)
        if let sender {
            guard sender.permissions.canPublishData else { throw .forbidden("token does not grant canPublishData") }
            guard policy.allows(identity: sender.identity, isAgent: sender.isAgent, hostIdentity: configuration.hostIdentity) else {
                throw .forbidden("not allowed to publish to topic '\(publication.topic)'")
            }
        }
        guard payloadCount <= limits.maxPayloadBytes else { throw .payloadTooLarge(limits.maxPayloadBytes) }
        guard !publication.topic.isEmpty, publication.topic.utf8.count <= 255 else {
            throw .badMessage("topic must be 1 to 255 bytes")
        }
        let destinations = publication.destinations.map(Set.init)
        if let d = destinations, d.count > limits.maxDestinations { throw .badMessage("more than \(limits.maxDestinations) destinations") }
        // A topic the room has not carried yet, and that its definition does not name.
        let opensTopic = topicStats[publication.topic] == nil && configuration.topics[publication.topic] == nil
        if opensTopic {
            guard openedTopics < limits.maxTopicsPerRoom else {
                throw .badMessage("this room already carries \(limits.maxTopicsPerRoom) topics")
            }
            if let sender, Int(sender.topicsOpened) >= limits.maxTopicsPerParticipant {
                throw .badMessage("one participant may open at most \(limits.maxTopicsPerParticipant) topics in a room")
            }
        }

        let reliable = publication.reliable ?? policy.reliable
        seq += 1
        let frame: SharedBytes
        switch publication.body {
        case .json(let payload):
            frame = ServerMessage.data(topic: publication.topic, from: sender?.identity, seq: seq, payload: payload, reliable: reliable, ts: now.wallMilliseconds)
        case .binary(let payload):
            frame = ServerMessage.binaryData(topic: publication.topic, from: sender?.identity ?? "", seq: seq, payload: payload, ts: now.wallMilliseconds)
        }

        var counters = topicStats[publication.topic, default: TopicCounters()]
        counters.messages += 1
        counters.bytes += payloadCount
        if reliable {
            let capacity = policy.keptMessages(roomDefault: configuration.replayBufferSize)
            let freed = replay[publication.topic, default: ReplayBuffer(capacity: capacity)]
                .append(.init(seq: seq, frame: frame, senderSID: sender?.sid ?? "", destinations: destinations))
            replayBytes += frame.count - freed
            trimReplay(to: limits.maxReplayBytesPerRoom)
        }
        // The cached subscriber list is handed out as is (no copy); `Recipients` skips the sender.
        var recipients = subscribers(of: publication.topic)
        if let destinations {
            recipients = recipients.filter { destinations.contains($0.identity) }
        }
        // Whether the sender is on the list, by the rule that made the list (no scan of it).
        let senderIncluded = sender.map { s in
            s.isActive && s.permissions.canSubscribe && s.subscription.includes(publication.topic)
                && (destinations?.contains(s.identity) ?? true)
        } ?? false
        counters.deliveries += recipients.count - (senderIncluded ? 1 : 0)
        topicStats[publication.topic] = counters
        if opensTopic {
            openedTopics += 1
            sender?.topicsOpened &+= 1
        }
        guard !recipients.isEmpty else { return [] }
        let broadcast = RoomAction.broadcast(frame, to: Recipients(recipients, excluding: sender), lossy: !reliable)
        return presence.isIdle ? [broadcast] : finishPresence() + [broadcast]
    }

    /// Drops the room's oldest replayable messages, whatever their topic, until the room
    /// is within `budget` bytes. A scan over the topics per drop: topics are few (capped)
    /// and drops happen only past the budget.
    func trimReplay(to budget: Int) {
        while replayBytes > budget {
            var oldestTopic: String?
            var oldestSeq = UInt64.max
            for (topic, buffer) in replay {
                if let s = buffer.oldestSeq, s < oldestSeq {
                    oldestSeq = s
                    oldestTopic = topic
                }
            }
            guard let topic = oldestTopic else { return }
            replayBytes -= replay[topic]!.dropOldest()
        }
    }

    public func subscribe(_ participant: Participant, topics: [String]) throws(ProtocolError) {
        try Self.checkTopics(topics)
        guard participant.subscription.subscribe(topics) else { throw Self.tooManyPatterns }
        invalidateSubscribers()
    }

    public func unsubscribe(_ participant: Participant, topics: [String]) throws(ProtocolError) {
        try Self.checkTopics(topics)
        guard participant.subscription.unsubscribe(topics) else { throw Self.tooManyPatterns }
        invalidateSubscribers()
    }

    /// Most topics (or patterns) one subscribe or unsubscribe request may name.
    public static let maxTopicsPerRequest = 256

    /// The topics of one subscribe or unsubscribe request: at most `maxTopicsPerRequest`,
    /// each 1 to 255 bytes (the length byte of binary frames).
    static func checkTopics(_ topics: [String]) throws(ProtocolError) {
        guard topics.count <= maxTopicsPerRequest else { throw .badMessage("at most \(maxTopicsPerRequest) topics per request") }
        for t in topics where t.isEmpty || t.utf8.count > 255 {
            throw .badMessage("topics must be 1 to 255 bytes")
        }
    }

    static let tooManyPatterns = ProtocolError.badMessage("more than \(TopicSubscription.maxRules) distinct subscription patterns")

    /// A participant updates its own name, metadata or attributes (needs
    /// `canUpdateOwnMetadata`); everyone sees `participant_updated`.
    public func update(_ participant: Participant, _ request: UpdateRequest, limits: ParticipantInfoLimits) throws(ProtocolError) -> [RoomAction] {
        guard participant.permissions.canUpdateOwnMetadata else { throw .forbidden("token does not grant canUpdateOwnMetadata") }
        return try applyUpdate(participant, name: request.name, metadata: request.metadata, attributes: request.attributes, limits: limits)
    }

    /// Applies an update without a permission check (the admin API's UpdateParticipant),
    /// all or nothing: a value over its limit changes nothing.
    public func applyUpdate(_ participant: Participant, name: String?, metadata: String?, attributes: [String: String]?, limits: ParticipantInfoLimits) throws(ProtocolError) -> [RoomAction] {
        var merged: ParticipantInfo?
        if let attributes {
            var info = participant.info
            info.merge(attributes: attributes)
            merged = info
        }
        try limits.check(name: name, metadata: metadata, mergedAttributes: merged?.attributes)
        if let merged { participant.info.attributes = merged.attributes }
        if let name { participant.info.name = name }
        if let metadata { participant.info.metadata = metadata }
        let frame = ServerMessage.participantUpdated(participant.info)
        // The participant hears its own update too, so it learns the merged state.
        let recipients = participant.isHidden ? [participant] : activeParticipants
        return finishPresence() + [.broadcast(frame, to: Recipients(recipients.filter(\.isActive)), lossy: false)]
    }

    /// Replaces a participant's permissions (the admin API's UpdateParticipant). Becoming
    /// hidden looks like a departure to the others (`participant_left`, reason `hidden`);
    /// becoming visible like an arrival.
    public func setPermissions(_ participant: Participant, _ permissions: Participant.Permissions, now: RoomInstant) -> [RoomAction] {
        let wasHidden = participant.isHidden
        let present = byIdentity[participant.identity] === participant
        participant.permissions = permissions
        invalidateSubscribers()
        guard wasHidden != permissions.hidden, present else { return [] }
        hiddenCount += permissions.hidden ? 1 : -1
        let frame = permissions.hidden
            ? ServerMessage.participantLeft(sid: participant.sid, identity: participant.identity, reason: LeaveReason.hidden.rawValue)
            : ServerMessage.participantJoined(participant.info)
        // A crowded room tells only its agents: the next `participant_count` carries it to the rest.
        guard !isCrowded else { return toAgents(frame, except: participant) }
        return finishPresence() + [.broadcast(frame, to: Recipients(activeParticipants, excluding: participant), lossy: false)]
            + crowdIfNeeded()
    }

    /// Changes the room's metadata; everyone hears `room_updated`.
    public func updateMetadata(_ metadata: String) -> [RoomAction] {
        self.metadata = metadata
        let frame = ServerMessage.typed("room_updated") { w in
            w.key("room"); writeInfo(to: &w)
        }
        return finishPresence() + [.broadcast(frame, to: Recipients(activeParticipants), lossy: false)]
    }
}
