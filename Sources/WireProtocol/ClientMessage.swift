import WireJSON

/// A message from a participant. Ranges point into the frame's bytes, which the caller keeps
/// while handling the message: values that are forwarded untouched (`payload`, `id`, `t`)
/// are never parsed into a tree nor copied before they are written out.
public enum ClientMessage: Sendable, Equatable {
    case ping(id: Range<Int>?, t: Range<Int>?)
    case publish(PublishRequest)
    case subscribe(topics: [String], id: Range<Int>?)
    case unsubscribe(topics: [String], id: Range<Int>?)
    case update(UpdateRequest)
    case metrics(enabled: Bool, intervalMilliseconds: Int?, id: Range<Int>?)
    /// A Spotify access token for the server to poll playback with (docs/spotify.md).
    case spotify(SpotifyTokenRequest)
    /// A page of the participant list: those that joined after the cursor `after` (nil: from
    /// the first), at most `limit` (nil: the room's page size).
    case participants(after: UInt64?, limit: Int?, id: Range<Int>?)

    /// The raw `id` the client attached, echoed in answers and errors.
    public var id: Range<Int>? {
        switch self {
        case .ping(let id, _): id
        case .publish(let p): p.id
        case .subscribe(_, let id), .unsubscribe(_, let id): id
        case .update(let u): u.id
        case .metrics(_, _, let id): id
        case .spotify(let s): s.id
        case .participants(_, _, let id): id
        }
    }
}

public struct PublishRequest: Sendable, Equatable {
    public var topic: String
    public var payload: Range<Int>
    /// nil: the topic's default.
    public var reliable: Bool?
    /// nil: everyone subscribed to the topic.
    public var destinations: [String]?
    public var id: Range<Int>?
}

public struct UpdateRequest: Sendable, Equatable {
    public var name: String?
    public var metadata: String?
    /// Merged into the current attributes; an empty value deletes the key.
    public var attributes: [String: String]?
    public var id: Range<Int>?
}

extension ClientMessage {
    /// Parses one text frame. Unknown members are ignored so clients can add fields.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(ProtocolError) -> ClientMessage {
        var fields = Fields()
        do {
            try JSONParser.forEachMember(of: bytes) { key, range in fields.set(key, range) }
        } catch {
            throw .badJSON(error.description)
        }
        guard let typeRange = fields.type else { throw .badMessage("missing 'type'") }
        guard let type = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[typeRange])).stringValue else {
            throw .badMessage("'type' must be a string")
        }
        let reader = FieldReader(bytes: bytes)
        switch type {
        case "ping":
            return .ping(id: fields.id, t: fields.t)
        case "publish":
            guard let topic = try reader.string(fields.topic, "topic"), !topic.isEmpty else { throw .badMessage("publish needs a non-empty 'topic'") }
            guard let payload = fields.payload else { throw .badMessage("publish needs a 'payload'") }
            return .publish(PublishRequest(
                topic: topic, payload: payload, reliable: try reader.bool(fields.reliable, "reliable"),
                destinations: try reader.strings(fields.destinations, "destinations"), id: fields.id
            ))
        case "subscribe", "unsubscribe":
            guard let topics = try reader.strings(fields.topics, "topics") else { throw .badMessage("\(type) needs 'topics'") }
            return type == "subscribe" ? .subscribe(topics: topics, id: fields.id) : .unsubscribe(topics: topics, id: fields.id)
        case "update":
            let update = UpdateRequest(
                name: try reader.string(fields.name, "name"), metadata: try reader.string(fields.metadata, "metadata"),
                attributes: try reader.stringMap(fields.attributes, "attributes"), id: fields.id
            )
            guard update.name != nil || update.metadata != nil || update.attributes != nil else {
                throw .badMessage("update needs 'name', 'metadata' or 'attributes'")
            }
            return .update(update)
        case "metrics":
            let interval = try reader.int(fields.intervalMilliseconds, "interval_ms")
            return .metrics(enabled: try reader.bool(fields.enabled, "enabled") ?? true, intervalMilliseconds: interval, id: fields.id)
        case "participants":
            var after: UInt64?
            if let v = reader.value(fields.after), !v.isNull {
                guard let n = v.int64Value, n >= 0 else { throw .badMessage("'after' must be a cursor (a 'next' or 'participants_next' value)") }
                after = UInt64(n)
            }
            return .participants(after: after, limit: try reader.int(fields.limit, "limit"), id: fields.id)
        case "spotify":
            return .spotify(try SpotifyTokenRequest(
                accessToken: reader.string(fields.accessToken, "access_token"), expiresIn: reader.value(fields.expiresIn), id: fields.id
            ))
        default:
            throw .unknownType(type)
        }
    }
}

/// The members a client message may carry, by byte range.
private struct Fields {
    var type, id, t, topic, payload, reliable, destinations, topics, name, metadata, attributes, enabled, intervalMilliseconds: Range<Int>?
    var accessToken, expiresIn, after, limit: Range<Int>?

    mutating func set(_ key: String, _ range: Range<Int>) {
        switch key {
        case "type": type = range
        case "id": id = range
        case "t": t = range
        case "topic": topic = range
        case "payload": payload = range
        case "reliable": reliable = range
        case "destinations": destinations = range
        case "topics": topics = range
        case "name": name = range
        case "metadata": metadata = range
        case "attributes": attributes = range
        case "enabled": enabled = range
        case "interval_ms": intervalMilliseconds = range
        case "access_token": accessToken = range
        case "expires_in": expiresIn = range
        case "after": after = range
        case "limit": limit = range
        default: break
        }
    }
}

/// Typed reads of optional members; a member of the wrong type is a `bad_message`.
private struct FieldReader {
    let bytes: UnsafeRawBufferPointer

    func value(_ range: Range<Int>?) -> JSONValue? {
        guard let range else { return nil }
        return try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }

    func string(_ range: Range<Int>?, _ name: String) throws(ProtocolError) -> String? {
        guard let v = value(range), !v.isNull else { return nil }
        guard let s = v.stringValue else { throw .badMessage("'\(name)' must be a string") }
        return s
    }

    func bool(_ range: Range<Int>?, _ name: String) throws(ProtocolError) -> Bool? {
        guard let v = value(range), !v.isNull else { return nil }
        guard let b = v.boolValue else { throw .badMessage("'\(name)' must be a boolean") }
        return b
    }

    func int(_ range: Range<Int>?, _ name: String) throws(ProtocolError) -> Int? {
        guard let v = value(range), !v.isNull else { return nil }
        guard let i = v.int64Value, let n = Int(exactly: i) else { throw .badMessage("'\(name)' must be an integer") }
        return n
    }

    func strings(_ range: Range<Int>?, _ name: String) throws(ProtocolError) -> [String]? {
        guard let v = value(range), !v.isNull else { return nil }
        guard let a = v.stringArrayValue else { throw .badMessage("'\(name)' must be an array of strings") }
        return a
    }

    func stringMap(_ range: Range<Int>?, _ name: String) throws(ProtocolError) -> [String: String]? {
        guard let v = value(range), !v.isNull else { return nil }
        guard let m = v.stringMapValue else { throw .badMessage("'\(name)' must be an object of strings") }
        return m
    }
}
