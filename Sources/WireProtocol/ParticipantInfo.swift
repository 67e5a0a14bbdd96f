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
    /// Name, metadata and attributes, or nil while all three are empty — which they are for
    /// most participants (a bot, a listener joined with a bare token). Every joined
    /// connection carries a ParticipantInfo, so the three (40 bytes inline) live in a shared
    /// copy-on-write box that only exists once one is set: 8 bytes otherwise
    /// (docs/benchmarks.md, "Where an idle connection's bytes go").
    private var extras: Extras?
    /// Unix time in milliseconds.
    public var joinedAtMilliseconds: Int64
    /// Last, so the participant's 1-byte fields that follow share its padding (every joined
    /// connection carries one of these).
    public var kind: Kind

    public init(sid: String, identity: String, name: String, metadata: String, attributes: [String: String], kind: Kind, joinedAtMilliseconds: Int64) {
        self.sid = sid
        self.identity = identity
        self.kind = kind
        self.joinedAtMilliseconds = joinedAtMilliseconds
        extras = Extras.make(name: name, metadata: metadata, attributes: attributes)
    }

    public var name: String {
        get { extras?.name ?? "" }
        set { updateExtras { $0.name = newValue } }
    }

    public var metadata: String {
        get { extras?.metadata ?? "" }
        set { updateExtras { $0.metadata = newValue } }
    }

    public var attributes: [String: String] {
        get { extras?.attributes ?? [:] }
        set { updateExtras { $0.attributes = newValue } }
    }

    public static func == (a: ParticipantInfo, b: ParticipantInfo) -> Bool {
        a.sid == b.sid && a.identity == b.identity && a.kind == b.kind && a.joinedAtMilliseconds == b.joinedAtMilliseconds
            && a.name == b.name && a.metadata == b.metadata && a.attributes == b.attributes
    }

    /// Applies `change` to a copy of the three fields and stores the result: nil again when
    /// all are empty, a box of its own otherwise (copy on write: another ParticipantInfo
    /// holding the same box keeps its values).
    private mutating func updateExtras(_ change: (inout Extras.Values) -> Void) {
        var values = extras?.values ?? Extras.Values()
        change(&values)
        extras = Extras.make(name: values.name, metadata: values.metadata, attributes: values.attributes)
    }

    /// The rarely set fields, immutable once made (so sharing one between copies is safe).
    private final class Extras: Sendable {
        struct Values {
            var name = ""
            var metadata = ""
            var attributes: [String: String] = [:]
        }

        let values: Values
        var name: String { values.name }
        var metadata: String { values.metadata }
        var attributes: [String: String] { values.attributes }

        private init(_ values: Values) {
            self.values = values
        }

        static func make(name: String, metadata: String, attributes: [String: String]) -> Extras? {
            name.isEmpty && metadata.isEmpty && attributes.isEmpty ? nil : Extras(Values(name: name, metadata: metadata, attributes: attributes))
        }
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
        var merged = attributes
        for (k, v) in update {
            if v.isEmpty { merged[k] = nil } else { merged[k] = v }
        }
        attributes = merged
    }
}
