import WireJSON

/// A participant's stored taste profile changed outside the room's `profile` topic (the
/// server read their Spotify top tracks): agents reload it instead of waiting for a rejoin.
/// The server publishes it, with no sender, on topic `profile.changed` as
/// `{"identity","source","tracks"}` (docs/agents.md#profile-changed); a participant may
/// publish on that topic too, but only the server's messages become `.profileChanged`.
public struct ProfileChange: Sendable, Equatable {
    public static let topic = "profile.changed"

    public var identity: String
    /// The profile source that was rewritten (`spotify_top`).
    public var source: String
    /// Entries of that source now stored.
    public var tracks: Int

    public init(identity: String, source: String, tracks: Int) {
        self.identity = identity
        self.source = source
        self.tracks = tracks
    }

    /// Reads the payload; nil when it is not the server's shape.
    public init?(payload: JSONValue) {
        guard let identity = payload["identity"]?.stringValue, !identity.isEmpty, let source = payload["source"]?.stringValue,
              let tracks = payload["tracks"]?.int64Value else { return nil }
        self.init(identity: identity, source: source, tracks: Int(clamping: tracks))
    }

    public var json: [UInt8] {
        var w = JSONWriter(reservingCapacity: 96)
        w.beginObject()
        w.key("identity"); w.string(identity)
        w.key("source"); w.string(source)
        w.key("tracks"); w.int(tracks)
        w.endObject()
        return w.bytes
    }
}
