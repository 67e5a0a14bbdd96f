import WireJSON

/// A Twirp call forwarded to the node a room lives on, and the answer coming back, as they
/// travel through Redis pub/sub (docs/cluster.md#cluster-wide-admin): one JSON line naming the
/// call, then the body's bytes unchanged (JSON or protobuf, as the caller sent them).
///
/// Requests go to `ClusterKeys.calls(owner)`, answers to `ClusterKeys.answers(from)`; `id`
/// pairs them on the node that waits.
public struct ForwardedCall: Sendable, Equatable {
    public var id: UInt64
    /// The node waiting for the answer.
    public var from: String
    /// `/twirp/livekit.RoomService/<Method>`.
    public var path: String
    public var contentType: String
    /// The caller's `Authorization` header: the room's node checks the token itself.
    public var authorization: String
    public var body: [UInt8]

    public init(id: UInt64, from: String, path: String, contentType: String, authorization: String, body: [UInt8]) {
        self.id = id
        self.from = from
        self.path = path
        self.contentType = contentType
        self.authorization = authorization
        self.body = body
    }

    public var encoded: [UInt8] {
        var w = JSONWriter(reservingCapacity: 256 + body.count)
        w.beginObject()
        w.key("id"); w.uint(id)
        w.key("from"); w.string(from)
        w.key("path"); w.string(path)
        w.key("content_type"); w.string(contentType)
        w.key("authorization"); w.string(authorization)
        w.endObject()
        return ForwardedFrame.join(w.bytes, body)
    }

    /// Nil for anything that is not a call this version sends.
    public static func decode(_ bytes: [UInt8]) -> ForwardedCall? {
        guard let (head, body) = ForwardedFrame.split(bytes), let id = head["id"]?.int64Value, id >= 0,
              let from = head["from"]?.stringValue, let path = head["path"]?.stringValue,
              let contentType = head["content_type"]?.stringValue, let authorization = head["authorization"]?.stringValue else { return nil }
        return ForwardedCall(id: UInt64(id), from: from, path: path, contentType: contentType, authorization: authorization, body: body)
    }
}

/// The room's node's HTTP answer to a `ForwardedCall`, relayed to the caller as it is.
public struct ForwardedAnswer: Sendable, Equatable {
    public var id: UInt64
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(id: UInt64, status: Int, contentType: String, body: [UInt8]) {
        self.id = id
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public var encoded: [UInt8] {
        var w = JSONWriter(reservingCapacity: 96 + body.count)
        w.beginObject()
        w.key("id"); w.uint(id)
        w.key("status"); w.int(status)
        w.key("content_type"); w.string(contentType)
        w.endObject()
        return ForwardedFrame.join(w.bytes, body)
    }

    public static func decode(_ bytes: [UInt8]) -> ForwardedAnswer? {
        guard let (head, body) = ForwardedFrame.split(bytes), let id = head["id"]?.int64Value, id >= 0,
              let status = head["status"]?.int64Value, (100...599).contains(status), let contentType = head["content_type"]?.stringValue else { return nil }
        return ForwardedAnswer(id: UInt64(id), status: Int(status), contentType: contentType, body: body)
    }
}

/// A JSON head (which never holds a raw newline: JSON escapes it) and the body after the first `\n`.
enum ForwardedFrame {
    static func join(_ head: [UInt8], _ body: [UInt8]) -> [UInt8] {
        head + [UInt8(ascii: "\n")] + body
    }

    static func split(_ bytes: [UInt8]) -> (JSONValue, [UInt8])? {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")), let head = try? JSONParser.parse(Array(bytes[..<newline])) else { return nil }
        return (head, Array(bytes[(newline + 1)...]))
    }
}

extension ClusterKeys {
    /// The channel a node hears Twirp calls forwarded to it on.
    public static func calls(_ node: String) -> String { prefix + "calls:" + node }
    /// The channel a node hears the answers to the calls it forwarded on.
    public static func answers(_ node: String) -> String { prefix + "answers:" + node }
}
