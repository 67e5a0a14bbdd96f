/// The header of a binary frame from a client: `u8 topic length, topic (UTF-8), payload`.
/// The topic's default reliability applies.
public enum BinaryPublication {
    public static func parse(_ frame: UnsafeRawBufferPointer) -> (topic: String, payload: UnsafeRawBufferPointer)? {
        guard let n = frame.first.map(Int.init), n > 0, frame.count >= 1 + n else { return nil }
        guard let topic = String(validating: frame[1..<(1 + n)], as: UTF8.self) else { return nil }
        return (topic, UnsafeRawBufferPointer(rebasing: frame[(1 + n)...]))
    }
}
