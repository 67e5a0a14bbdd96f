import HTTPCore

/// Why a token was refused. Every case but `missingGrant` is answered with 401; a valid
/// token that does not allow the action is answered with 403.
public struct AccessTokenError: HTTPResponseError, Sendable, Equatable {
    private enum Code: Sendable, Equatable {
        case missing, malformed, unsupportedAlgorithm, unknownKey, badSignature, expired, notYetValid, missingGrant
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static let missing = AccessTokenError(.missing, "no access token")
    public static func malformed(_ why: String) -> AccessTokenError { .init(.malformed, "malformed token: \(why)") }
    public static func unsupportedAlgorithm(_ alg: String) -> AccessTokenError {
        .init(.unsupportedAlgorithm, "unsupported algorithm '\(alg)'; only HS256 is accepted")
    }
    public static let unknownKey = AccessTokenError(.unknownKey, "unknown API key")
    public static let badSignature = AccessTokenError(.badSignature, "invalid token signature")
    public static let expired = AccessTokenError(.expired, "token expired")
    public static let notYetValid = AccessTokenError(.notYetValid, "token not valid yet (nbf)")
    public static func missingGrant(_ why: String) -> AccessTokenError { .init(.missingGrant, why) }

    /// 403 for a valid token lacking a permission, 401 otherwise.
    public var status: HTTPStatus { code == .missingGrant ? .forbidden : .unauthorized }

    public var description: String { message }
}
