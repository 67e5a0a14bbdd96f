/// Why a Redis command did not get a value. `message` is meant for logs and API answers: it
/// names Redis and its address, never a password.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case unavailable, reply, closed
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Not connected (Redis down, unreachable, or the connection dropped with the command in flight).
    public static func unavailable(_ message: String) -> RedisError { RedisError(.unavailable, message) }
    /// Redis answered with an error reply (`-ERR …`, `-WRONGTYPE …`, `-NOAUTH …`).
    public static func reply(_ message: String) -> RedisError { RedisError(.reply, message) }
    /// The client was closed.
    public static let closed = RedisError(.closed, "Redis client closed")

    public var isUnavailable: Bool { code == .unavailable }
    public var isReply: Bool { code == .reply }
    public var isClosed: Bool { code == .closed }

    public var description: String { message }
}
