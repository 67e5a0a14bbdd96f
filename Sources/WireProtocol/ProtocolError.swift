/// An error answered with `{"type":"error","code":…,"message":…}`; the connection stays
/// open. Codes are stable strings documented in docs/protocol.md.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public static func badJSON(_ detail: String) -> ProtocolError { .init(code: "bad_json", message: "malformed JSON: \(detail)") }
    public static func badMessage(_ detail: String) -> ProtocolError { .init(code: "bad_message", message: detail) }
    public static func unknownType(_ type: String) -> ProtocolError { .init(code: "unknown_type", message: "unknown message type '\(type)'") }
    public static func forbidden(_ detail: String) -> ProtocolError { .init(code: "forbidden", message: detail) }
    public static func payloadTooLarge(_ limit: Int) -> ProtocolError {
        .init(code: "payload_too_large", message: "payload larger than \(limit) bytes")
    }

    public var description: String { "\(code): \(message)" }
}
