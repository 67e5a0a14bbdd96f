/// Why a Spotify Web API body could not be read. A struct wrapping a private code, as the
/// rest of the project reports errors: callers compare with the static values, and the
/// message says what was wrong without quoting the body.
public struct SpotifyError: Error, Sendable, Equatable, CustomStringConvertible {
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
    public static func badJSON(_ message: String) -> SpotifyError { SpotifyError(.badJSON, message) }
    /// JSON, but not the documented shape (a required member missing or of the wrong type).
    public static func badShape(_ message: String) -> SpotifyError { SpotifyError(.badShape, message) }

    public var isBadJSON: Bool { code == .badJSON }

    public var description: String { message }
}
