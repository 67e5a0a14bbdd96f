import ByteStorage
import WebSocketCore
import WireJSON

extension ServerMessage {
    /// `{"type":"data","topic":…,"from":…,"seq":…,"payload":…,"reliable":…,"ts":…}`;
    /// `from` is null for messages the server itself sends. Sized first, then written in
    /// place, frame header first, into the buffer every recipient shares.
    public static func data(topic: String, from: String?, seq: UInt64, payload: UnsafeRawBufferPointer, reliable: Bool, ts: Int64) -> SharedBytes {
        let count = #"{"type":"data","topic":"#.utf8.count + JSONInPlaceWriter.quotedCount(topic)
            + #","from":"#.utf8.count + (from.map(JSONInPlaceWriter.quotedCount) ?? 4)
            + #","seq":"#.utf8.count + JSONInPlaceWriter.unsignedCount(seq)
            + #","payload":"#.utf8.count + payload.count
            + #","reliable":"#.utf8.count + (reliable ? 4 : 5)
            + #","ts":"#.utf8.count + JSONInPlaceWriter.integerCount(ts) + 1
        return frame(payloadCount: count) { w in
            w.raw(#"{"type":"data","topic":"#); w.quoted(topic)
            w.raw(#","from":"#)
            if let from { w.quoted(from) } else { w.raw("null") }
            w.raw(#","seq":"#); w.unsigned(seq)
            w.raw(#","payload":"#); w.raw(payload)
            w.raw(#","reliable":"#); w.bool(reliable)
            w.raw(#","ts":"#); w.integer(ts)
            w.byte(UInt8(ascii: "}"))
        }
    }

    /// Binary data frame: `u8 topic length, topic, u8 sender length, sender, u64 seq,
    /// i64 ts (ms), payload`, integers big-endian (docs/protocol.md). Written in place too.
    public static func binaryData(topic: String, from: String, seq: UInt64, payload: UnsafeRawBufferPointer, ts: Int64) -> SharedBytes {
        var topic = topic
        var from = from
        return topic.withUTF8 { topicUTF8 in
            from.withUTF8 { fromUTF8 in
                let topicBytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(topicUTF8).prefix(255))
                let fromBytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(fromUTF8).prefix(255))
                let count = 1 + topicBytes.count + 1 + fromBytes.count + 16 + payload.count
                return frame(opcode: .binary, payloadCount: count) { w in
                    w.byte(UInt8(topicBytes.count)); w.raw(topicBytes)
                    w.byte(UInt8(fromBytes.count)); w.raw(fromBytes)
                    withUnsafeBytes(of: seq.bigEndian) { w.raw($0) }
                    withUnsafeBytes(of: ts.bigEndian) { w.raw($0) }
                    w.raw(payload)
                }
            }
        }
    }
}

extension ServerMessage {
    /// A `data` text frame re-framed with `"history":true` as its last member: what a late
    /// joiner receives of a topic's recent messages. Nil for anything else (binary frames).
    public static func markedAsHistory(_ frame: SharedBytes) -> SharedBytes? {
        guard frame.count >= 2 else { return nil }
        let bytes = UnsafeRawBufferPointer(start: frame.base, count: frame.count)
        guard bytes[0] & 0x0F == WebSocketOpcode.text.rawValue else { return nil }
        let header = bytes[1] & 0x7F == 127 ? 10 : bytes[1] & 0x7F == 126 ? 4 : 2
        let json = UnsafeRawBufferPointer(rebasing: bytes[header...])
        guard json.count >= 2, json[json.count - 1] == UInt8(ascii: "}") else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: json.dropLast())
        let tail: StaticString = #","history":true}"#
        let count = body.count + tail.utf8CodeUnitCount
        return self.frame(payloadCount: count) { w in
            w.raw(body)
            w.raw(tail)
        }
    }
}
