import ByteStorage
import WebSocketCore
import WireJSON

extension ServerMessage {
    /// `{"type":"data","topic":…,"from":…,"seq":…,"payload":…,"reliable":…,"ts":…}`;
    /// `from` is null for messages the server itself sends.
    public static func data(topic: String, from: String?, seq: UInt64, payload: UnsafeRawBufferPointer, reliable: Bool, ts: Int64) -> SharedBytes {
        typed("data", capacity: payload.count + topic.utf8.count + 128) { w in
            w.key("topic"); w.string(topic)
            w.key("from")
            if let from { w.string(from) } else { w.null() }
            w.key("seq"); w.uint(seq)
            w.key("payload"); w.raw(payload)
            w.key("reliable"); w.bool(reliable)
            w.key("ts"); w.int(ts)
        }
    }

    /// Binary data frame: `u8 topic length, topic, u8 sender length, sender, u64 seq,
    /// i64 ts (ms), payload`, integers big-endian (docs/protocol.md).
    public static func binaryData(topic: String, from: String, seq: UInt64, payload: UnsafeRawBufferPointer, ts: Int64) -> SharedBytes {
        let topicBytes = Array(topic.utf8.prefix(255))
        let fromBytes = Array(from.utf8.prefix(255))
        var body = [UInt8](repeating: 0, count: WebSocketFrameEncoder.maxHeaderLength)
        body.reserveCapacity(body.count + 18 + topicBytes.count + fromBytes.count + payload.count)
        body.append(UInt8(topicBytes.count))
        body += topicBytes
        body.append(UInt8(fromBytes.count))
        body += fromBytes
        withUnsafeBytes(of: seq.bigEndian) { body.append(contentsOf: $0) }
        withUnsafeBytes(of: ts.bigEndian) { body.append(contentsOf: $0) }
        body.append(contentsOf: payload)
        let start = WebSocketFrameEncoder.frameInPlace(&body, opcode: .binary)
        return SharedBytes(body, from: start)
    }
}
