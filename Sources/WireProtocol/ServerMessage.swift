import ByteStorage
import WebSocketCore
import WireJSON

/// Encoders for every server → client message. Each returns a complete WebSocket text frame
/// in a shared buffer: a message is encoded once and the same bytes go to every recipient.
public enum ServerMessage {
    /// Frames the JSON written by `body`: the frame header goes into space reserved in front
    /// of it, and the framed bytes are copied once into the shared buffer every recipient's
    /// queue references.
    public static func frame(capacity: Int = 256, _ body: (inout JSONWriter) -> Void) -> SharedBytes {
        var prefix = [UInt8](repeating: 0, count: WebSocketFrameEncoder.maxHeaderLength)
        prefix.reserveCapacity(capacity)
        var w = JSONWriter(prefix: prefix)
        body(&w)
        var bytes = w.bytes
        let start = WebSocketFrameEncoder.frameInPlace(&bytes, opcode: .text)
        return SharedBytes(bytes, from: start)
    }

    /// A frame of `payloadCount` bytes written in place: the header, then `body`, which must
    /// write exactly `payloadCount` bytes (sized with `JSONInPlaceWriter`'s counts).
    public static func frame(opcode: WebSocketOpcode = .text, payloadCount: Int, _ body: (inout JSONInPlaceWriter) -> Void) -> SharedBytes {
        let h = WebSocketFrameEncoder.headerLength(payloadCount: payloadCount, masked: false)
        return SharedBytes(count: h + payloadCount) { p in
            WebSocketFrameEncoder.writeHeader(to: p, opcode: opcode, payloadCount: payloadCount)
            var w = JSONInPlaceWriter(at: p + h)
            body(&w)
            precondition(w.position == p + h + payloadCount, "a message wrote other than the bytes it sized")
        }
    }

    /// `{"type":"pong","id":…,"t":…,"server_t":…}`, written in place (pings are frequent).
    public static func pong(id: UnsafeRawBufferPointer?, t: UnsafeRawBufferPointer?, serverTimeMilliseconds: Int64) -> SharedBytes {
        let head: StaticString = #"{"type":"pong""#
        var count = head.utf8CodeUnitCount + #","server_t":"#.utf8.count + JSONInPlaceWriter.integerCount(serverTimeMilliseconds) + 1
        if let id { count += #","id":"#.utf8.count + id.count }
        if let t { count += #","t":"#.utf8.count + t.count }
        return frame(payloadCount: count) { w in
            w.raw(head)
            if let id { w.raw(#","id":"#); w.raw(id) }
            if let t { w.raw(#","t":"#); w.raw(t) }
            w.raw(#","server_t":"#); w.integer(serverTimeMilliseconds)
            w.byte(UInt8(ascii: "}"))
        }
    }

    public static func error(_ error: ProtocolError, id: UnsafeRawBufferPointer? = nil) -> SharedBytes {
        frame { w in
            w.beginObject()
            w.key("type"); w.string("error")
            w.key("code"); w.string(error.wireCode)
            w.key("message"); w.string(error.message)
            if let id { w.key("id"); w.raw(id) }
            w.endObject()
        }
    }

    /// A message of `type` whose other members are written by `members`.
    public static func typed(_ type: StaticString, capacity: Int = 256, _ members: (inout JSONWriter) -> Void) -> SharedBytes {
        frame(capacity: capacity) { w in
            w.beginObject()
            w.key("type"); w.string(String(describing: type))
            members(&w)
            w.endObject()
        }
    }

    public static func participantJoined(_ participant: [UInt8]) -> SharedBytes {
        typed("participant_joined", capacity: participant.count + 64) { w in
            w.key("participant"); w.raw(participant)
        }
    }

    public static func participantUpdated(_ participant: [UInt8]) -> SharedBytes {
        typed("participant_updated", capacity: participant.count + 64) { w in
            w.key("participant"); w.raw(participant)
        }
    }

    public static func participantLeft(sid: String, identity: String, reason: String) -> SharedBytes {
        typed("participant_left") { w in
            w.key("participant")
            w.beginObject()
            w.key("sid"); w.string(sid)
            w.key("identity"); w.string(identity)
            w.endObject()
            w.key("reason"); w.string(reason)
        }
    }

    /// Acknowledges a request that has no other answer (subscribe, update, …) when the client
    /// attached an `id`.
    public static func ack(_ what: String, id: UnsafeRawBufferPointer, seq: UInt64? = nil) -> SharedBytes {
        typed("ack") { w in
            w.key("id"); w.raw(id)
            w.key("for"); w.string(what)
            if let seq { w.key("seq"); w.uint(seq) }
        }
    }
}
