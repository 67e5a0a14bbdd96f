/// An incremental UTF-8 validator (Björn Höhrmann's DFA) that carries its state across
/// calls, so a text message split mid-character across fragments is judged correctly and
/// invalid bytes are caught in the fragment where they occur (fail fast, RFC 6455 §8.1).
public struct UTF8Validator: Sendable {
    private var state: UInt8 = Self.accept

    static let accept: UInt8 = 0
    static let reject: UInt8 = 12

    public init() {}

    /// True when the bytes so far end on a character boundary.
    public var isComplete: Bool { state == Self.accept }

    /// Feeds bytes; returns false as soon as they cannot be valid UTF-8.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var s = state
        var i = 0
        let n = bytes.count
        guard let base = bytes.baseAddress else { return true }
        while i < n {
            // ASCII fast path: 8 bytes at a time while between characters.
            if s == Self.accept {
                while i + 8 <= n && base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                }
                if i >= n { break }
            }
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            s = Self.transitions[Int(s) + Int(Self.classes[Int(byte)])]
            if s == Self.reject {
                state = s
                return false
            }
            i += 1
        }
        state = s
        return true
    }

    public mutating func reset() { state = Self.accept }

    /// Validates a complete buffer.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var v = UTF8Validator()
        return v.feed(bytes) && v.isComplete
    }

    // Character classes of bytes 0x00–0xFF.
    private static let classes: [UInt8] = {
        var c = [UInt8](repeating: 0, count: 256)
        for b in 0x80...0x8F { c[b] = 1 }
        for b in 0x90...0x9F { c[b] = 9 }
        for b in 0xA0...0xBF { c[b] = 7 }
        c[0xC0] = 8; c[0xC1] = 8
        for b in 0xC2...0xDF { c[b] = 2 }
        c[0xE0] = 10
        for b in 0xE1...0xEC { c[b] = 3 }
        c[0xED] = 4
        c[0xEE] = 3; c[0xEF] = 3
        c[0xF0] = 11
        for b in 0xF1...0xF3 { c[b] = 6 }
        c[0xF4] = 5
        for b in 0xF5...0xFF { c[b] = 8 }
        return c
    }()

    // State transitions, indexed by state (multiples of 12) + class.
    private static let transitions: [UInt8] = [
        0, 12, 24, 36, 60, 96, 84, 12, 12, 12, 48, 72,
        12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
        12, 0, 12, 12, 12, 12, 12, 0, 12, 0, 12, 12,
        12, 24, 12, 12, 12, 12, 12, 24, 12, 24, 12, 12,
        12, 12, 12, 12, 12, 12, 12, 24, 12, 12, 12, 12,
        12, 24, 12, 12, 12, 12, 12, 12, 12, 24, 12, 12,
        12, 12, 12, 12, 12, 12, 12, 36, 12, 36, 12, 12,
        12, 36, 12, 12, 12, 12, 12, 36, 12, 36, 12, 12,
        12, 36, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    ]
}
