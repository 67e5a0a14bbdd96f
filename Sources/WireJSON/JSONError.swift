/// Why a JSON text was refused, in the project's one error style: a struct wrapping a private
/// code, one static member per failure (`throw JSONError.unexpectedEnd(at: i)`). `offset` is
/// the byte position where parsing stopped, so a client's error message can point at it.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case unexpectedEnd = "unexpected end of input"
        case unexpectedCharacter = "unexpected character"
        case invalidNumber = "invalid number"
        case numberOutOfRange = "number out of range"
        case invalidString = "invalid string"
        case invalidEscape = "invalid escape sequence"
        case tooDeep = "nesting too deep"
        case trailingData = "trailing data after the JSON value"
    }

    private let code: Code
    /// Where in the input parsing stopped (a byte offset).
    public let offset: Int

    private init(_ code: Code, _ offset: Int) {
        self.code = code
        self.offset = offset
    }

    public static func unexpectedEnd(at offset: Int) -> JSONError { .init(.unexpectedEnd, offset) }
    public static func unexpectedCharacter(at offset: Int) -> JSONError { .init(.unexpectedCharacter, offset) }
    public static func invalidNumber(at offset: Int) -> JSONError { .init(.invalidNumber, offset) }
    /// A number too large for a `Double` (`1e400`): refused rather than read as infinity,
    /// which JSON cannot carry and `JSONWriter` would write back as `null`.
    public static func numberOutOfRange(at offset: Int) -> JSONError { .init(.numberOutOfRange, offset) }
    /// A control character inside a string, or a string that is not UTF-8.
    public static func invalidString(at offset: Int) -> JSONError { .init(.invalidString, offset) }
    public static func invalidEscape(at offset: Int) -> JSONError { .init(.invalidEscape, offset) }
    /// Deeper than the parser's `maxDepth`.
    public static func tooDeep(at offset: Int) -> JSONError { .init(.tooDeep, offset) }
    public static func trailingData(at offset: Int) -> JSONError { .init(.trailingData, offset) }

    /// The failure without its position.
    public var message: String { code.rawValue }
    public var description: String { "\(message) at byte \(offset)" }
}
