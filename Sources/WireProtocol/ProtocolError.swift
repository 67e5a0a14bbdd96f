/// An error answered with `{"type":"error","code":…,"message":…}`; the connection stays
/// open. Codes are stable strings documented in docs/protocol.md.
public struct ProtocolError: WireError, Sendable, Equatable {
    private enum Code: Sendable, Equatable {
        case badJSON, badMessage, unknownType, forbidden, payloadTooLarge
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func badJSON(_ detail: String) -> ProtocolError { .init(.badJSON, "malformed JSON: \(detail)") }
    public static func badMessage(_ detail: String) -> ProtocolError { .init(.badMessage, detail) }
    public static func unknownType(_ type: String) -> ProtocolError { .init(.unknownType, "unknown message type '\(type)'") }
    public static func forbidden(_ detail: String) -> ProtocolError { .init(.forbidden, detail) }
    public static func payloadTooLarge(_ limit: Int) -> ProtocolError { .init(.payloadTooLarge, "payload larger than \(limit) bytes") }

    public var wireCode: String {
        switch code {
        case .badJSON: "bad_json"
        case .badMessage: "bad_message"
        case .unknownType: "unknown_type"
        case .forbidden: "forbidden"
        case .payloadTooLarge: "payload_too_large"
        }
    }
}
