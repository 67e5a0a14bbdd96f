/// Validation without building values: how forwarded payloads are checked, and how a
/// message's members are found without parsing the ones nobody reads.
extension JSONParser {
    /// Validates one value and returns where it lies, without building it.
    public mutating func skipValue(depth: Int = 0) throws(JSONError) -> Range<Int> {
        let start = index
        guard index < bytes.count else { throw JSONError.unexpectedEnd(at: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            guard depth + 1 <= maxDepth else { throw JSONError.tooDeep(at: index) }
            index += 1
            skipWhitespace()
            if try peek() == close {
                index += 1
                return start..<index
            }
            while true {
                skipWhitespace()
                if isObject {
                    guard try peek() == UInt8(ascii: "\"") else { throw JSONError.unexpectedCharacter(at: index) }
                    try skipString()
                    skipWhitespace()
                    guard try next() == UInt8(ascii: ":") else { throw JSONError.unexpectedCharacter(at: index - 1) }
                    skipWhitespace()
                }
                _ = try skipValue(depth: depth + 1)
                skipWhitespace()
                let c = try next()
                if c == close { return start..<index }
                if c != UInt8(ascii: ",") { throw JSONError.unexpectedCharacter(at: index - 1) }
            }
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "t"):
            try expectLiteral("true")
        case UInt8(ascii: "f"):
            try expectLiteral("false")
        case UInt8(ascii: "n"):
            try expectLiteral("null")
        default:
            _ = try skipNumber()
        }
        return start..<index
    }

    // MARK: Object members without building values

    /// Walks the members of an object, handing each key and the byte range of its value to
    /// `body`, which may parse the value (by creating a parser on the range) or keep the range.
    public static func forEachMember(
        of bytes: UnsafeRawBufferPointer,
        maxDepth: Int = 64,
        _ body: (String, Range<Int>) throws(JSONError) -> Void
    ) throws(JSONError) {
        var p = JSONParser(bytes, maxDepth: maxDepth)
        p.skipWhitespace()
        guard try p.peek() == UInt8(ascii: "{") else { throw JSONError.unexpectedCharacter(at: p.index) }
        p.index += 1
        p.skipWhitespace()
        if try p.peek() == UInt8(ascii: "}") {
            p.index += 1
            try p.expectEnd()
            return
        }
        while true {
            p.skipWhitespace()
            guard try p.peek() == UInt8(ascii: "\"") else { throw JSONError.unexpectedCharacter(at: p.index) }
            let key = try p.parseString()
            p.skipWhitespace()
            guard try p.next() == UInt8(ascii: ":") else { throw JSONError.unexpectedCharacter(at: p.index - 1) }
            p.skipWhitespace()
            let range = try p.skipValue(depth: 1)
            try body(key, range)
            p.skipWhitespace()
            let c = try p.next()
            if c == UInt8(ascii: "}") { break }
            if c != UInt8(ascii: ",") { throw JSONError.unexpectedCharacter(at: p.index - 1) }
        }
        try p.expectEnd()
    }
}
