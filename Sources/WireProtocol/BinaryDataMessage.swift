/// A binary data frame as subscribers receive it (docs/protocol.md): `u8 topic length, topic,
/// u8 sender length, sender, u64 seq, i64 ts (ms), payload`, integers big-endian. The reader
/// of what `ServerMessage.binaryData` writes, for clients of the protocol (agents, bots, the
/// `agent stream` command).
public struct BinaryDataMessage {
    public var topic: String
    /// Empty for the server itself.
    public var from: String
    public var seq: UInt64
    public var ts: Int64
    public var payload: UnsafeRawBufferPointer

    /// nil when the header is cut short or a name is not UTF-8.
    public static func parse(_ frame: UnsafeRawBufferPointer) -> BinaryDataMessage? {
        guard let topicLength = frame.first.map(Int.init), topicLength > 0, frame.count >= 1 + topicLength + 1 else { return nil }
        let fromStart = 1 + topicLength + 1
        let fromLength = Int(frame[fromStart - 1])
        let fixedStart = fromStart + fromLength
        guard frame.count >= fixedStart + 16,
              let topic = String(validating: frame[1..<(1 + topicLength)], as: UTF8.self),
              let from = String(validating: frame[fromStart..<fixedStart], as: UTF8.self)
        else { return nil }
        func bigEndian(at offset: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<8 { v = v << 8 | UInt64(frame[offset + i]) }
            return v
        }
        return BinaryDataMessage(
            topic: topic, from: from, seq: bigEndian(at: fixedStart), ts: Int64(bitPattern: bigEndian(at: fixedStart + 8)),
            payload: UnsafeRawBufferPointer(rebasing: frame[(fixedStart + 16)...])
        )
    }
}
