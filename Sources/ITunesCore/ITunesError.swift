/// Why an iTunes Search API answer could not be read. A struct wrapping a private code, as
/// the rest of the project reports errors; the message never quotes the body.
public struct ITunesError: Error, Sendable, Equatable, CustomStringConvertible {
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
    public static func badJSON(_ message: String) -> ITunesError { ITunesError(.badJSON, message) }
    /// JSON, but not the documented shape (no `results` array).
    public static func badShape(_ message: String) -> ITunesError { ITunesError(.badShape, message) }

    public var isBadJSON: Bool { code == .badJSON }

    public var description: String { message }
}
