/// The lexical layer: whitespace, literals, numbers and strings with their escapes.
extension JSONParser {

    @inline(__always)
    public mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    @inline(__always)
    func peek() throws(JSONError) -> UInt8 {
        guard index < bytes.count else { throw JSONError.unexpectedEnd(at: index) }
        return bytes[index]
    }

    @inline(__always)
    mutating func next() throws(JSONError) -> UInt8 {
        guard index < bytes.count else { throw JSONError.unexpectedEnd(at: index) }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let n = literal.utf8CodeUnitCount
        guard index + n <= bytes.count else { throw JSONError.unexpectedEnd(at: index) }
        let p = literal.utf8Start
        for i in 0..<n where bytes[index + i] != p[i] {
            throw JSONError.unexpectedCharacter(at: index + i)
        }
        index += n
    }

    /// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`
    mutating func skipNumber() throws(JSONError) -> Range<Int> {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw JSONError.unexpectedEnd(at: index) }
        let first = bytes[index]
        if first == UInt8(ascii: "0") {
            index += 1
        } else if first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") {
            skipDigits()
        } else {
            throw index == start ? JSONError.unexpectedCharacter(at: index) : JSONError.invalidNumber(at: index)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw JSONError.invalidNumber(at: index) }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw JSONError.invalidNumber(at: index) }
        }
        return start..<index
    }

    @discardableResult
    mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }

    static func decodeNumber(_ text: UnsafeRawBufferPointer) -> Double {
        // Fast path for the common case: small integers (ids, timestamps, sequence numbers).
        var value: Int64 = 0
        var negative = false
        var i = 0
        if text.first == UInt8(ascii: "-") {
            negative = true
            i = 1
        }
        if text.count - i <= 15 {
            var integral = true
            while i < text.count {
                let c = text[i]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else {
                    integral = false
                    break
                }
                value = value * 10 + Int64(c - UInt8(ascii: "0"))
                i += 1
            }
            if integral { return Double(negative ? -value : value) }
        }
        return Double(String(decoding: text, as: UTF8.self)) ?? .nan
    }

    /// Skips a string, validating escapes and refusing raw control characters.
    mutating func skipString() throws(JSONError) {
        index += 1
        while true {
            guard index < bytes.count else { throw JSONError.unexpectedEnd(at: index) }
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if c < 0x20 { throw JSONError.invalidString(at: index) }
            if c == UInt8(ascii: "\\") {
                index += 1
                _ = try decodeEscape()
            } else {
                index += 1
            }
        }
    }

    public mutating func parseString() throws(JSONError) -> String {
        let start = index + 1
        index = start
        // Fast path: no escapes, take the bytes as they are.
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw JSONError.invalidString(at: index) }
            index += 1
        }
        guard index < bytes.count else { throw JSONError.unexpectedEnd(at: index) }
        var scalars = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard index < bytes.count else { throw JSONError.unexpectedEnd(at: index) }
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: scalars, as: UTF8.self)
            }
            if c < 0x20 { throw JSONError.invalidString(at: index) }
            if c == UInt8(ascii: "\\") {
                index += 1
                let scalar = try decodeEscape()
                scalars.append(contentsOf: UTF8.encode(scalar)!)
            } else {
                scalars.append(c)
                index += 1
            }
        }
    }

    /// Decodes the escape after a backslash; surrogate pairs become one scalar, a lone
    /// surrogate is refused.
    mutating func decodeEscape() throws(JSONError) -> Unicode.Scalar {
        let c = try next()
        switch c {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try hex4()
            if high >= 0xD800 && high < 0xDC00 {
                guard try next() == UInt8(ascii: "\\"), try next() == UInt8(ascii: "u") else {
                    throw JSONError.invalidEscape(at: index)
                }
                let low = try hex4()
                guard low >= 0xDC00 && low < 0xE000 else { throw JSONError.invalidEscape(at: index) }
                let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                return Unicode.Scalar(value)!
            }
            guard let scalar = Unicode.Scalar(high) else { throw JSONError.invalidEscape(at: index) }
            return scalar
        default:
            throw JSONError.invalidEscape(at: index - 1)
        }
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw JSONError.unexpectedEnd(at: index) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw JSONError.invalidEscape(at: index)
            }
            v = v << 4 | UInt32(d)
            index += 1
        }
        return v
    }
}
