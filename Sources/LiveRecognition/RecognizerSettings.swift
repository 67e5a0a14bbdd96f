import Foundation
import WireJSON

/// The live recognizer's limits and timings (docs/recognition.md#live-recognition-in-a-room). Every one can be set
/// by the dispatch's metadata, a JSON object with the snake_case names
/// (`{"no_match_after_s":6}`), so a room definition or a token's `roomConfig` tunes its room.
public struct RecognizerSettings: Sendable, Equatable {
    /// Seconds of audio kept per participant and fingerprinted by each query: long enough
    /// for 5–10 s excerpts' recall, short enough that a song change shows within seconds.
    /// Memory per participant: `windowSeconds` × 22,050 × 4 bytes (0.9 MB at 10 s).
    public var windowSeconds = 10.0
    /// Seconds of audio between queries ("about once a second").
    public var queryInterval = 1.0
    /// Seconds of audio before the first query: shorter queries hold too few hashes to pass
    /// the significance test.
    public var firstQueryAfter = 1.0
    /// Seconds of audio without a significant match after which `no_match` is published
    /// (and again after a match, when the last significant one is this old).
    public var noMatchAfter = 10.0
    /// Participants streaming at once; a further stream gets `no_match` with an error.
    public var maxStreams = 64
    /// Bytes one binary frame may carry (the room's payload limit applies first).
    public var maxFrameBytes = 256 * 1024
    /// Bytes of a WebM/Ogg stream that may wait for its decoding thread; a stream that
    /// outruns its decoder by more fails with `no_match` and an error instead of growing.
    public var maxPendingBytes = 1 << 20
    /// Seconds of audio after a `match` published without a YouTube link during which the
    /// recognizer keeps checking (once per query) whether the server found one since, to
    /// publish the match again with it. Only when the server has a YouTube key.
    public var linkWaitSeconds = 30.0

    public init() {}

    public static let standard = RecognizerSettings()

    /// The defaults overridden by the dispatch metadata's fields; anything unreadable or out of
    /// range is an error naming the field (the agent then does not start).
    public static func parse(metadata: String) throws -> RecognizerSettings {
        var s = RecognizerSettings()
        let trimmed = metadata.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.first == "{" else { return s }
        let json = try JSONParser.parse(Array(trimmed.utf8))
        func number(_ key: String, _ range: ClosedRange<Double>, _ apply: (Double) -> Void) throws {
            guard let v = json[key] else { return }
            guard let d = v.doubleValue, range.contains(d) else { throw RecognizerSettingsError("\(key) must be a number in \(range)") }
            apply(d)
        }
        try number("window_s", 1...60) { s.windowSeconds = $0 }
        try number("query_interval_s", 0.1...30) { s.queryInterval = $0 }
        try number("first_query_after_s", 0.1...30) { s.firstQueryAfter = $0 }
        try number("no_match_after_s", 0.5...600) { s.noMatchAfter = $0 }
        try number("link_wait_s", 0...600) { s.linkWaitSeconds = $0 }
        func count(_ key: String, _ range: ClosedRange<Double>, _ apply: (Int) -> Void) throws {
            try number(key, range) { d in apply(Int(d)) }
            if let d = json[key]?.doubleValue, d != d.rounded() { throw RecognizerSettingsError("\(key) must be a whole number in \(range)") }
        }
        try count("max_streams", 1...10_000) { s.maxStreams = $0 }
        try count("max_frame_bytes", 1024...16_777_216) { s.maxFrameBytes = $0 }
        try count("max_pending_bytes", 65_536...67_108_864) { s.maxPendingBytes = $0 }
        return s
    }
}

public struct RecognizerSettingsError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
