import WireJSON

/// What everyone in a room knows about a participant, as sent in `joined`,
/// `participant_joined` and `participant_updated`.
public struct ParticipantInfo: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case standard
        case agent
    }

    public var sid: String
    public var identity: String
    public var name: String
    public var metadata: String
    public var attributes: [String: String]
    /// Unix time in milliseconds.
    public var joinedAtMilliseconds: Int64
    /// Last, so the participant's 1-byte fields that follow share its padding (every joined
    /// connection carries one of these).
    public var kind: Kind

    public init(sid: String, identity: String, name: String, metadata: String, attributes: [String: String], kind: Kind, joinedAtMilliseconds: Int64) {
        self.sid = sid
        self.identity = identity
        self.name = name
        self.metadata = metadata
        self.attributes = attributes
        self.kind = kind
        self.joinedAtMilliseconds = joinedAtMilliseconds
    }

    /// `joined_at` is in seconds, as in LiveKit's ParticipantInfo; `joined_at_ms` adds precision.
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("sid"); w.string(sid)
        w.key("identity"); w.string(identity)
        w.key("name"); w.string(name)
        w.key("metadata"); w.string(metadata)
        w.key("attributes"); Self.writeAttributes(attributes, to: &w)
        w.key("kind"); w.string(kind.rawValue)
        w.key("joined_at"); w.int(joinedAtMilliseconds / 1000)
        w.key("joined_at_ms"); w.int(joinedAtMilliseconds)
        w.endObject()
    }

    /// Attributes sorted by key so the same state always encodes to the same bytes.
    public static func writeAttributes(_ attributes: [String: String], to w: inout JSONWriter) {
        w.beginObject()
        for (k, v) in attributes.sorted(by: { $0.key < $1.key }) {
            w.key(k)
            w.string(v)
        }
        w.endObject()
    }

    public var json: [UInt8] {
        var w = JSONWriter()
        write(to: &w)
        return w.bytes
    }

    /// Applies an update: attributes merge, an empty value deletes its key.
    public mutating func merge(attributes update: [String: String]) {
        for (k, v) in update {
            if v.isEmpty { attributes[k] = nil } else { attributes[k] = v }
        }
    }
}
