/// Why a request was refused, and which status answers it. The connection is closed after
/// the error response because the byte stream can no longer be trusted.
public struct HTTPParseError: HTTPResponseError, Sendable, Equatable {
    private enum Code: Sendable, Equatable {
        case malformed
        case uriTooLong
        case headersTooLarge
        case bodyTooLarge
        case unsupportedTransferEncoding
        case unsupportedVersion
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func malformed(_ message: String) -> HTTPParseError { .init(.malformed, message) }
    public static func uriTooLong(_ limit: Int) -> HTTPParseError { .init(.uriTooLong, "request line longer than \(limit) bytes") }
    public static func headersTooLarge(_ message: String) -> HTTPParseError { .init(.headersTooLarge, message) }
    public static func bodyTooLarge(_ limit: Int) -> HTTPParseError { .init(.bodyTooLarge, "body larger than \(limit) bytes") }
    public static func unsupportedTransferEncoding(_ value: String) -> HTTPParseError {
        .init(.unsupportedTransferEncoding, "unsupported Transfer-Encoding: \(value)")
    }
    public static func unsupportedVersion(_ value: String) -> HTTPParseError { .init(.unsupportedVersion, "unsupported HTTP version: \(value)") }

    /// The status the server answers with.
    public var status: HTTPStatus {
        switch code {
        case .malformed: .badRequest
        case .uriTooLong: .uriTooLong
        case .headersTooLarge: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedTransferEncoding: .notImplemented
        case .unsupportedVersion: .httpVersionNotSupported
        }
    }
}
