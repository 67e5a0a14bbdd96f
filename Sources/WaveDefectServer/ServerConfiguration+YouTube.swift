import YouTubeCore

/// How the server finds YouTube videos for tracks shown in a room (docs/youtube.md). Flags
/// `--youtube-*` and config-file keys `youtube_*` set it; the base URL and the key are
/// `ExternalServiceSettings.youtubeAPIBase` / `youtubeAPIKey` (no key: nothing is looked up).
public struct YouTubeLookupSettings: Sendable, Equatable {
    /// Seconds a "no video found" answer stands before the track is searched again (default
    /// 30 days). Videos found never expire.
    public var negativeTTL: Double = 30 * 86_400
    /// Seconds without any search after the quota ran out or the key was refused.
    public var quotaPause: Double = 3600
    /// Seconds without any search after another failure (5xx, 429, timeout), doubled per
    /// failure in a row up to `quotaPause`.
    public var retryPause: Double = 30
    /// Distinct tracks waiting for a search at most; more are answered "no link" at once.
    public var maxPending = 64
    /// Seconds one search may take.
    public var requestTimeout: Double = 10

    public init() {}

    static let fileFields: Set<String> = [
        "youtube_negative_ttl", "youtube_quota_pause", "youtube_retry_pause", "youtube_queue_max", "youtube_request_timeout",
    ]

    mutating func apply(_ m: [String: ConfigNode]) throws(ConfigurationError) {
        if let v = m["youtube_negative_ttl"] { negativeTTL = try v.seconds() }
        if let v = m["youtube_quota_pause"] { quotaPause = try v.seconds() }
        if let v = m["youtube_retry_pause"] { retryPause = try v.seconds() }
        if let v = m["youtube_queue_max"] { maxPending = try v.int(min: 1) }
        if let v = m["youtube_request_timeout"] { requestTimeout = try v.seconds() }
    }

    func validate() throws(ConfigurationError) {
        for (name, value) in [("youtube_negative_ttl", negativeTTL), ("youtube_quota_pause", quotaPause), ("youtube_retry_pause", retryPause)]
        where !(value.isFinite && value >= 0) {
            throw ConfigurationError("\(name): \(value) is not a number of seconds ≥ 0")
        }
        guard requestTimeout.isFinite, (0.1...300).contains(requestTimeout) else {
            throw ConfigurationError("youtube_request_timeout: \(requestTimeout) is not in 0.1...300")
        }
        guard maxPending >= 1 else { throw ConfigurationError("youtube_queue_max must be at least 1") }
    }

    var gate: YouTubeSearchGate { YouTubeSearchGate(pauseSeconds: quotaPause, retrySeconds: retryPause) }
}
