import WireJSON

/// LiveKit's `video` grant, field for field (camelCase in the token, as LiveKit's SDKs
/// write it). Permissions that LiveKit treats as "allowed unless denied" are optional here
/// so that absence and `false` stay distinguishable.
public struct VideoGrant: Sendable, Equatable {
    public var room: String?
    public var roomJoin = false
    public var roomCreate = false
    public var roomList = false
    public var roomAdmin = false
    public var roomRecord = false
    public var hidden = false
    public var recorder = false
    public var agent = false
    public var canPublish: Bool?
    public var canSubscribe: Bool?
    public var canPublishData: Bool?
    public var canUpdateOwnMetadata: Bool?
    public var canPublishSources: [String]?
    public var canSubscribeMetrics: Bool?

    public init(room: String? = nil, roomJoin: Bool = false) {
        self.room = room
        self.roomJoin = roomJoin
    }

    /// Absent means allowed, as in LiveKit.
    public var mayPublish: Bool { canPublish ?? true }
    public var maySubscribe: Bool { canSubscribe ?? true }
    public var mayPublishData: Bool { canPublishData ?? true }
    /// Absent means denied, as in LiveKit.
    public var mayUpdateOwnMetadata: Bool { canUpdateOwnMetadata ?? false }

    init(json: JSONObject) {
        room = json["room"]?.stringValue
        roomJoin = json["roomJoin"]?.boolValue ?? false
        roomCreate = json["roomCreate"]?.boolValue ?? false
        roomList = json["roomList"]?.boolValue ?? false
        roomAdmin = json["roomAdmin"]?.boolValue ?? false
        roomRecord = json["roomRecord"]?.boolValue ?? false
        hidden = json["hidden"]?.boolValue ?? false
        recorder = json["recorder"]?.boolValue ?? false
        agent = json["agent"]?.boolValue ?? false
        canPublish = json["canPublish"]?.boolValue
        canSubscribe = json["canSubscribe"]?.boolValue
        canPublishData = json["canPublishData"]?.boolValue
        canUpdateOwnMetadata = json["canUpdateOwnMetadata"]?.boolValue
        canPublishSources = json["canPublishSources"]?.arrayValue?.compactMap(\.stringValue)
        canSubscribeMetrics = json["canSubscribeMetrics"]?.boolValue
    }

    func write(to w: inout JSONWriter) {
        w.beginObject()
        if let room { w.key("room"); w.string(room) }
        let flags: [(StaticString, Bool)] = [
            ("roomJoin", roomJoin), ("roomCreate", roomCreate), ("roomList", roomList), ("roomAdmin", roomAdmin),
            ("roomRecord", roomRecord), ("hidden", hidden), ("recorder", recorder), ("agent", agent),
        ]
        for (name, value) in flags where value {
            w.key(name)
            w.bool(true)
        }
        let optional: [(StaticString, Bool?)] = [
            ("canPublish", canPublish), ("canSubscribe", canSubscribe), ("canPublishData", canPublishData),
            ("canUpdateOwnMetadata", canUpdateOwnMetadata), ("canSubscribeMetrics", canSubscribeMetrics),
        ]
        for case let (name, value?) in optional {
            w.key(name)
            w.bool(value)
        }
        if let canPublishSources {
            w.key("canPublishSources")
            w.beginArray()
            for s in canPublishSources { w.string(s) }
            w.endArray()
        }
        w.endObject()
    }
}
