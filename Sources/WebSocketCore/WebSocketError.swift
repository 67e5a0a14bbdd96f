/// Why the connection must be failed, with the close code to send (RFC 6455 §7.1.7).
public struct WebSocketError: WebSocketCloseError, Sendable, Equatable {
    private enum Code: Sendable, Equatable {
        case reservedBitsSet
        case reservedOpcode
        case unmaskedClientFrame
        case maskedServerFrame
        case fragmentedControlFrame
        case controlFrameTooLong
        case unexpectedContinuation
        case expectedContinuation
        case invalidLength
        case frameTooBig
        case messageTooBig
        case partialMessageBudgetExhausted
        case invalidUTF8
        case invalidCloseCode
        case invalidClosePayload
    }

    private let code: Code
    /// Human-readable reason, sent as the close frame's reason (kept under 123 bytes).
    public let reason: String

    private init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    static let reservedBitsSet = WebSocketError(.reservedBitsSet, "reserved bits set without a negotiated extension")
    static func reservedOpcode(_ op: UInt8) -> WebSocketError { .init(.reservedOpcode, "reserved opcode \(op)") }
    static let unmaskedClientFrame = WebSocketError(.unmaskedClientFrame, "client frames must be masked")
    static let maskedServerFrame = WebSocketError(.maskedServerFrame, "server frames must not be masked")
    static let fragmentedControlFrame = WebSocketError(.fragmentedControlFrame, "control frames must not be fragmented")
    static let controlFrameTooLong = WebSocketError(.controlFrameTooLong, "control frame payload over 125 bytes")
    static let unexpectedContinuation = WebSocketError(.unexpectedContinuation, "continuation frame without a message to continue")
    static let expectedContinuation = WebSocketError(.expectedContinuation, "new data frame while a fragmented message is unfinished")
    static let invalidLength = WebSocketError(.invalidLength, "invalid payload length encoding")
    static func frameTooBig(_ limit: Int) -> WebSocketError { .init(.frameTooBig, "frame larger than \(limit) bytes") }
    static func messageTooBig(_ limit: Int) -> WebSocketError { .init(.messageTooBig, "message larger than \(limit) bytes") }
    /// The server's memory for unfinished messages (all connections together) is used up.
    public static let partialMessageBudgetExhausted = WebSocketError(
        .partialMessageBudgetExhausted, "server busy: too many unfinished messages held, send smaller ones")
    static let invalidUTF8 = WebSocketError(.invalidUTF8, "text message is not valid UTF-8")
    static let invalidCloseReason = WebSocketError(.invalidUTF8, "close reason is not valid UTF-8")
    static func invalidCloseCode(_ c: UInt16) -> WebSocketError { .init(.invalidCloseCode, "invalid close code \(c)") }
    static let invalidClosePayload = WebSocketError(.invalidClosePayload, "close frame with a 1-byte payload")

    /// The close code this error is answered with.
    public var closeCode: WebSocketCloseCode {
        switch code {
        case .invalidUTF8: .invalidPayloadData
        case .frameTooBig, .messageTooBig, .partialMessageBudgetExhausted: .messageTooBig
        default: .protocolError
        }
    }
}
