/// Writes JSON straight into memory sized beforehand, for the messages a server sends most:
/// the caller adds up the `…Count` of every part, allocates exactly that (a shared buffer,
/// frame header in front), and writes the parts — no intermediate array, no copy. Bytes are
/// the same as `JSONWriter`'s, which uses the same escaping and digits.
public struct JSONInPlaceWriter {
    public private(set) var position: UnsafeMutableRawPointer

    public init(at start: UnsafeMutableRawPointer) {
        position = start
    }

    /// Bytes `quoted(_:)` writes for `string`: the quotes, plus escapes for `"`, `\` and
    /// control characters.
    public static func quotedCount(_ string: String) -> Int {
        var string = string
        return string.withUTF8 { utf8 in
            var n = utf8.count + 2
            for c in utf8 where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                n += escape(c).count - 1
            }
            return n
        }
    }

    /// Digits (and sign) `integer(_:)` writes.
    public static func integerCount(_ value: Int64) -> Int {
        (value < 0 ? 1 : 0) + unsignedCount(value.magnitude)
    }

    public static func unsignedCount(_ value: UInt64) -> Int {
        var v = value
        var n = 1
        while v >= 10 {
            v /= 10
            n += 1
        }
        return n
    }

    @inline(__always)
    public mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        position.copyMemory(from: base, byteCount: bytes.count)
        position += bytes.count
    }

    @inline(__always)
    public mutating func raw(_ text: StaticString) {
        raw(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    public mutating func byte(_ b: UInt8) {
        position.storeBytes(of: b, as: UInt8.self)
        position += 1
    }

    public mutating func quoted(_ string: String) {
        byte(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let c = utf8[i]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                raw(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart..<i])))
                runStart = i + 1
                let e = Self.escape(c)
                for k in 0..<e.count { byte(e.bytes[k]) }
            }
            raw(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart...])))
        }
        byte(UInt8(ascii: "\""))
    }

    public mutating func integer(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        unsigned(value.magnitude)
    }

    public mutating func unsigned(_ value: UInt64) {
        let n = Self.unsignedCount(value)
        var v = value
        for k in stride(from: n - 1, through: 0, by: -1) {
            position.storeBytes(of: UInt8(ascii: "0") + UInt8(v % 10), toByteOffset: k, as: UInt8.self)
            v /= 10
        }
        position += n
    }

    public mutating func bool(_ value: Bool) {
        value ? raw("true") : raw("false")
    }

    /// The escape sequence for a byte that needs one (RFC 8259 §7), as JSONWriter writes it.
    static func escape(_ c: UInt8) -> (bytes: [UInt8], count: Int) {
        switch c {
        case UInt8(ascii: "\""): return ([0x5C, 0x22], 2)
        case UInt8(ascii: "\\"): return ([0x5C, 0x5C], 2)
        case 0x0A: return ([0x5C, UInt8(ascii: "n")], 2)
        case 0x0D: return ([0x5C, UInt8(ascii: "r")], 2)
        case 0x09: return ([0x5C, UInt8(ascii: "t")], 2)
        case 0x08: return ([0x5C, UInt8(ascii: "b")], 2)
        case 0x0C: return ([0x5C, UInt8(ascii: "f")], 2)
        default: return ([0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 15)]], 6)
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
