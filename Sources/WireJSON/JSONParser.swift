/// A strict RFC 8259 parser over raw bytes.
///
/// Besides building `JSONValue`s it can *skip* a value while validating it, returning only the
/// byte range. The wire protocol uses that to forward a publisher's `payload` into the outgoing
/// envelope untouched: one validation pass, no tree, no re-encoding.
public struct JSONParser: ~Copyable {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var index: Int
    public let maxDepth: Int

    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) {
        self.bytes = bytes
        self.index = 0
        self.maxDepth = maxDepth
    }

    public var offset: Int { index }

    // MARK: Entry points

    /// Parses a complete document: one value surrounded by optional whitespace.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        try parser.expectEnd()
        return value
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        do {
            return try bytes.withUnsafeBytes { try parse($0, maxDepth: maxDepth) }
        } catch let error as JSONError {
            throw error
        } catch {
            fatalError("unreachable")
        }
    }

    public static func parse(_ text: String, maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    public mutating func expectEnd() throws(JSONError) {
        skipWhitespace()
        if index != bytes.count { throw JSONError.trailingData(at: index) }
    }

    // MARK: Values

    public mutating func parseValue(depth: Int = 0) throws(JSONError) -> JSONValue {
        guard index < bytes.count else { throw JSONError.unexpectedEnd(at: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["):
            guard depth + 1 <= maxDepth else { throw JSONError.tooDeep(at: index) }
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if try peek() == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                let c = try next()
                if c == UInt8(ascii: "]") { return .array(elements) }
                if c != UInt8(ascii: ",") { throw JSONError.unexpectedCharacter(at: index - 1) }
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            let range = try skipNumber()
            let value = Self.decodeNumber(UnsafeRawBufferPointer(rebasing: bytes[range]))
            guard value.isFinite else { throw JSONError.numberOutOfRange(at: range.lowerBound) }
            return .number(value)
        }
    }

    mutating func parseObject(depth: Int) throws(JSONError) -> JSONObject {
        guard depth <= maxDepth else { throw JSONError.tooDeep(at: index) }
        index += 1
        var object = JSONObject()
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return object
        }
        while true {
            skipWhitespace()
            guard try peek() == UInt8(ascii: "\"") else { throw JSONError.unexpectedCharacter(at: index) }
            let key = try parseString()
            skipWhitespace()
            guard try next() == UInt8(ascii: ":") else { throw JSONError.unexpectedCharacter(at: index - 1) }
            skipWhitespace()
            object[key] = try parseValue(depth: depth)
            skipWhitespace()
            let c = try next()
            if c == UInt8(ascii: "}") { return object }
            if c != UInt8(ascii: ",") { throw JSONError.unexpectedCharacter(at: index - 1) }
        }
    }
}
