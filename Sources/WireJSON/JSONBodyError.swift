/// Why an upstream's JSON answer (Spotify, iTunes…) could not be read: not JSON at all, or JSON
/// without the documented shape. A struct wrapping a private code, as the rest of the project
/// reports errors; callers test `isBadJSON`, and the message says what was wrong without
/// quoting the body.
public struct JSONBodyError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case badJSON
        case badShape
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The body is not JSON at all.
    public static func badJSON(_ message: String) -> JSONBodyError { JSONBodyError(.badJSON, message) }
    /// JSON, but not the documented shape (a required member missing or of the wrong type).
    public static func badShape(_ message: String) -> JSONBodyError { JSONBodyError(.badShape, message) }

    public var isBadJSON: Bool { code == .badJSON }

    public var description: String { message }
}
