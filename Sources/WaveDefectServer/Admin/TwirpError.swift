import HTTPCore
import WireJSON

/// A Twirp error: `{"code":…,"msg":…}` with the HTTP status the Twirp spec assigns to the
/// code (https://twitchtv.github.io/twirp/docs/spec_v7.html#error-codes).
struct TwirpError: HTTPResponseError, Sendable, Equatable {
    private enum Code: String, Sendable, Equatable {
        case canceled, unknown, malformed, unavailable, aborted
        case internalError = "internal"
        case invalidArgument = "invalid_argument"
        case deadlineExceeded = "deadline_exceeded"
        case notFound = "not_found"
        case badRoute = "bad_route"
        case alreadyExists = "already_exists"
        case permissionDenied = "permission_denied"
        case unauthenticated
        case resourceExhausted = "resource_exhausted"
        case failedPrecondition = "failed_precondition"
        case outOfRange = "out_of_range"
        case unimplemented
        case dataLoss = "dataloss"
    }

    private let code: Code
    let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    static func canceled(_ m: String) -> TwirpError { .init(.canceled, m) }
    static func unknown(_ m: String) -> TwirpError { .init(.unknown, m) }
    static func invalidArgument(_ m: String) -> TwirpError { .init(.invalidArgument, m) }
    static func malformed(_ m: String) -> TwirpError { .init(.malformed, m) }
    static func deadlineExceeded(_ m: String) -> TwirpError { .init(.deadlineExceeded, m) }
    static func notFound(_ m: String) -> TwirpError { .init(.notFound, m) }
    static func badRoute(_ m: String) -> TwirpError { .init(.badRoute, m) }
    static func alreadyExists(_ m: String) -> TwirpError { .init(.alreadyExists, m) }
    static func permissionDenied(_ m: String) -> TwirpError { .init(.permissionDenied, m) }
    static func unauthenticated(_ m: String) -> TwirpError { .init(.unauthenticated, m) }
    static func resourceExhausted(_ m: String) -> TwirpError { .init(.resourceExhausted, m) }
    static func failedPrecondition(_ m: String) -> TwirpError { .init(.failedPrecondition, m) }
    static func aborted(_ m: String) -> TwirpError { .init(.aborted, m) }
    static func outOfRange(_ m: String) -> TwirpError { .init(.outOfRange, m) }
    static func unimplemented(_ m: String) -> TwirpError { .init(.unimplemented, m) }
    static func `internal`(_ m: String) -> TwirpError { .init(.internalError, m) }
    static func unavailable(_ m: String) -> TwirpError { .init(.unavailable, m) }
    static func dataLoss(_ m: String) -> TwirpError { .init(.dataLoss, m) }

    /// The `code` member of the body: Twirp's wire name.
    var wireCode: String { code.rawValue }

    var status: HTTPStatus {
        switch code {
        case .canceled, .deadlineExceeded: .requestTimeout
        case .invalidArgument, .malformed, .outOfRange: .badRequest
        case .notFound, .badRoute: .notFound
        case .alreadyExists, .aborted: .conflict
        case .permissionDenied: .forbidden
        case .unauthenticated: .unauthorized
        case .resourceExhausted: .tooManyRequests
        case .failedPrecondition: .preconditionFailed
        case .unimplemented: .notImplemented
        case .unavailable: .serviceUnavailable
        case .unknown, .internalError, .dataLoss: .internalServerError
        }
    }

    var response: HTTPResponse {
        var w = JSONWriter()
        w.beginObject()
        w.key("code"); w.string(wireCode)
        w.key("msg"); w.string(message)
        w.endObject()
        return .json(status, w.bytes)
    }

    var description: String { "\(wireCode): \(message)" }
}
