/// Why a `profile` or `recs.control` message was refused, or a request could not be answered.
/// The agent sends `description` back to the sender (see `TasteJSON.errorPayload`).
public struct TastePayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case notJSON
        case notAnObject
        case control
        case field
        case range
        case tooMany
        case unknownTracks
        case noAnchors
    }

    private let code: Code
    /// Human-readable reason, addressed to the person who sent the message.
    public let message: String
    /// Track ids the message named that the index does not have (for `unknownTracks`).
    public let trackIDs: [Int64]

    private init(_ code: Code, _ message: String, trackIDs: [Int64] = []) {
        self.code = code
        self.message = message
        self.trackIDs = trackIDs
    }

    public var description: String { message }

    static func notJSON(_ reason: String) -> Self { .init(.notJSON, "payload is not JSON: \(reason)") }
    static func notAnObject(_ topic: String) -> Self { .init(.notAnObject, "a \(topic) payload must be a JSON object") }
    static func control(_ reason: String) -> Self { .init(.control, reason) }
    static func field(_ name: String, _ expected: String) -> Self { .init(.field, "\"\(name)\" must be \(expected)") }
    static func range(_ name: String, _ value: Double) -> Self { .init(.range, "\"\(name)\" must be between 0 and 1, got \(value)") }
    static func tooMany(_ what: String, limit: Int) -> Self { .init(.tooMany, "at most \(limit) \(what) per message") }
    public static func unknownTracks(_ ids: [Int64]) -> Self {
        .init(.unknownTracks, "unknown track id\(ids.count == 1 ? "" : "s") (not in the index): \(ids.map(String.init).joined(separator: ", "))", trackIDs: ids)
    }
    public static let noAnchors = TastePayloadError(
        .noAnchors, "nothing to recommend from yet: send {\"seeds\":[track ids]} or thumb a track up")

    public var isUnknownTracks: Bool { code == .unknownTracks }
    public var isNoAnchors: Bool { code == .noAnchors }
}
