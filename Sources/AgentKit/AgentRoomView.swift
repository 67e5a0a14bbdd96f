import WireJSON

/// Turns the server's messages (docs/protocol.md: `joined`, presence, `data`) into agent
/// events, whether they arrive over a WebSocket (bot, worker) or straight from the room
/// (in-process). It keeps the roster of visible participants: the server never announces
/// hidden participants, so a message from an identity not in the roster comes from one.
public struct AgentRoomView: Sendable {
    public private(set) var room: AgentRoom?
    /// Highest data `seq` seen (what a resume asks the server to replay after).
    public private(set) var lastSeq: UInt64 = 0
    /// Resume token from the last `joined`.
    public private(set) var resumeToken: String?

    public init() {}

    /// The events one server message means to the agent (often none).
    public mutating func events(for message: JSONValue) -> [AgentEvent] {
        guard let type = message["type"]?.stringValue else { return [] }
        switch type {
        case "joined":
            return joined(message)
        case "participant_joined", "participant_updated":
            guard var room, let p = message["participant"].flatMap(Self.participant), p.identity != room.identity else { return [] }
            let index = room.participants.firstIndex { $0.identity == p.identity }
            if let index { room.participants[index] = p } else { room.participants.append(p) }
            self.room = room
            return [index == nil ? .participantJoined(p) : .participantUpdated(p)]
        case "participant_left":
            guard var room, let identity = message["participant"]?["identity"]?.stringValue else { return [] }
            guard let index = room.participants.firstIndex(where: { $0.identity == identity }) else { return [] }
            room.participants.remove(at: index)
            self.room = room
            return [.participantLeft(identity: identity)]
        case "data":
            guard room != nil, let topic = message["topic"]?.stringValue, let payload = message["payload"] else { return [] }
            let seq = message["seq"]?.int64Value.map { UInt64(max($0, 0)) } ?? 0
            let sender = message["from"]?.stringValue
            if sender == nil, topic == ProfileChange.topic, let change = ProfileChange(payload: payload) {
                lastSeq = max(lastSeq, seq)
                return [.profileChanged(change)]
            }
            return [data(topic: topic, sender: sender, seq: seq, payload: payload.serialized, isBinary: false)].compactMap { $0 }
        default:
            return []
        }
    }

    /// The event of a binary data frame (its header already read): `from` is empty for the
    /// server. None before the agent has joined.
    public mutating func binaryEvents(topic: String, from: String, seq: UInt64, payload: [UInt8]) -> [AgentEvent] {
        [data(topic: topic, sender: from.isEmpty ? nil : from, seq: seq, payload: payload, isBinary: true)].compactMap { $0 }
    }

    private mutating func data(topic: String, sender: String?, seq: UInt64, payload: [UInt8], isBinary: Bool) -> AgentEvent? {
        guard let room else { return nil }
        lastSeq = max(lastSeq, seq)
        let hidden = sender.map { s in s != room.identity && !room.participants.contains { $0.identity == s } } ?? false
        return .data(AgentMessage(topic: topic, sender: sender, senderHidden: hidden, payload: payload, seq: seq, isBinary: isBinary))
    }

    /// A first `joined` starts the agent; a later one (a resume, or a fresh join after the
    /// resume window passed) is reconciled with what the agent already knew.
    private mutating func joined(_ message: JSONValue) -> [AgentEvent] {
        resumeToken = message["resume_token"]?.stringValue ?? resumeToken
        let identity = message["participant"]?["identity"]?.stringValue ?? ""
        let participants = (message["participants"]?.arrayValue ?? []).compactMap(Self.participant).filter { $0.identity != identity }
        let fresh = AgentRoom(
            name: message["room"]?["name"]?.stringValue ?? "", hostIdentity: message["room"]?["host_identity"]?.stringValue,
            identity: identity, participants: participants
        )
        guard let old = room else {
            room = fresh
            return [.started(fresh)]
        }
        room = fresh
        var events: [AgentEvent] = []
        for p in old.participants where !participants.contains(where: { $0.identity == p.identity }) {
            events.append(.participantLeft(identity: p.identity))
        }
        for p in participants {
            if let before = old.participants.first(where: { $0.identity == p.identity }) {
                if before != p { events.append(.participantUpdated(p)) }
            } else {
                events.append(.participantJoined(p))
            }
        }
        return events
    }

    static func participant(_ v: JSONValue) -> AgentParticipant? {
        guard let identity = v["identity"]?.stringValue else { return nil }
        return AgentParticipant(
            identity: identity, name: v["name"]?.stringValue ?? "", metadata: v["metadata"]?.stringValue ?? "",
            attributes: v["attributes"]?.stringMapValue ?? [:], isAgent: v["kind"]?.stringValue == "agent"
        )
    }
}
