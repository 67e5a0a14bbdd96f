/// Why a JSON text was refused. `offset` is the byte position where parsing stopped, so a
/// client's error message can point at it.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case unexpectedEnd = "unexpected end of input"
        case unexpectedCharacter = "unexpected character"
        case invalidNumber = "invalid number"
        case invalidString = "invalid string"
        case invalidEscape = "invalid escape sequence"
        case tooDeep = "nesting too deep"
        case trailingData = "trailing data after the JSON value"
    }

    public let reason: Reason
    public let offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "\(reason.rawValue) at byte \(offset)" }
}
