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

    /// `{"type":"participant_joined","participant":{…}}`, written in place like the presence
    /// messages below: sized first, then written frame header first into the shared buffer.
    public static func participantJoined(_ participant: ParticipantInfo) -> SharedBytes {
        presence(#"{"type":"participant_joined","participant":"#, ParticipantInfo.InPlace(participant))
    }

    public static func participantUpdated(_ participant: ParticipantInfo) -> SharedBytes {
        presence(#"{"type":"participant_updated","participant":"#, ParticipantInfo.InPlace(participant))
    }

    private static func presence(_ head: StaticString, _ participant: ParticipantInfo.InPlace) -> SharedBytes {
        frame(payloadCount: head.utf8CodeUnitCount + participant.count + 1) { w in
            w.raw(head)
            participant.write(to: &w)
            w.byte(UInt8(ascii: "}"))
        }
    }

    /// `{"type":"participant_left","participant":{"sid":…,"identity":…},"reason":…}`.
    public static func participantLeft(sid: String, identity: String, reason: String) -> SharedBytes {
        let head: StaticString = #"{"type":"participant_left","participant":{"sid":"#
        let count = head.utf8CodeUnitCount + JSONInPlaceWriter.quotedCount(sid)
            + #","identity":"#.utf8.count + JSONInPlaceWriter.quotedCount(identity)
            + #"},"reason":"#.utf8.count + JSONInPlaceWriter.quotedCount(reason) + 1
        return frame(payloadCount: count) { w in
            w.raw(head); w.quoted(sid)
            w.raw(#","identity":"#); w.quoted(identity)
            w.raw(#"},"reason":"#); w.quoted(reason)
            w.byte(UInt8(ascii: "}"))
        }
    }

    /// Acknowledges a request that has no other answer (subscribe, update, …) when the client
    /// attached an `id`: `{"type":"ack","id":…,"for":…[,"seq":…]}`, written in place (every
    /// publish with an id gets one).
    public static func ack(_ what: String, id: UnsafeRawBufferPointer, seq: UInt64? = nil) -> SharedBytes {
        let head: StaticString = #"{"type":"ack","id":"#
        var count = head.utf8CodeUnitCount + id.count + #","for":"#.utf8.count + JSONInPlaceWriter.quotedCount(what) + 1
        if let seq { count += #","seq":"#.utf8.count + JSONInPlaceWriter.unsignedCount(seq) }
        return frame(payloadCount: count) { w in
            w.raw(head); w.raw(id)
            w.raw(#","for":"#); w.quoted(what)
            if let seq { w.raw(#","seq":"#); w.unsigned(seq) }
            w.byte(UInt8(ascii: "}"))
        }
    }

    /// `joined`: the room (`room`, JSON written by the room), the participant itself, everyone
    /// visible, and what a later resume needs. Sized, then written in place: a room of a
    /// thousand makes a message of a few hundred kilobytes, written once, copied never. In a
    /// crowded room `participants` is the list's first page and `page` says what follows.
    public static func joined(room: [UInt8], participant: ParticipantInfo.InPlace, participants: [ParticipantInfo.InPlace],
                              page: ParticipantPage? = nil, resumeToken: String, seq: UInt64, resumed: Bool) -> SharedBytes {
        let head: StaticString = #"{"type":"joined","room":"#
        var count = head.utf8CodeUnitCount + room.count + #","participant":"#.utf8.count + participant.count
            + #","participants":["#.utf8.count + max(participants.count - 1, 0) + 1 + (page?.joinedCount ?? 0)
            + #","resume_token":"#.utf8.count + JSONInPlaceWriter.quotedCount(resumeToken)
            + #","seq":"#.utf8.count + JSONInPlaceWriter.unsignedCount(seq)
            + #","resumed":"#.utf8.count + (resumed ? 4 : 5) + 1
        for p in participants { count += p.count }
        return frame(payloadCount: count) { w in
            w.raw(head)
            room.withUnsafeBytes { w.raw($0) }
            w.raw(#","participant":"#); participant.write(to: &w)
            w.raw(#","participants":["#)
            for (i, p) in participants.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                p.write(to: &w)
            }
            w.byte(UInt8(ascii: "]"))
            page?.writeJoined(to: &w)
            w.raw(#","resume_token":"#); w.quoted(resumeToken)
            w.raw(#","seq":"#); w.unsigned(seq)
            w.raw(#","resumed":"#); w.bool(resumed)
            w.byte(UInt8(ascii: "}"))
        }
    }
}
