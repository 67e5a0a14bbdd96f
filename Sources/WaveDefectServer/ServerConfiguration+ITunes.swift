import ITunesClient
import ITunesCore

/// How the server looks up tracks it has never heard through iTunes previews
/// (docs/itunes.md#configuration). Flags `--itunes-*` and config-file keys `itunes_*` set it;
/// the base URL is `ExternalServiceSettings.itunesBase` (`--itunes-base`).
public struct ITunesLookupSettings: Sendable, Equatable {
    /// Whether Spotify tracks the catalog lacks are looked up at all.
    public var enabled = true
    /// Calls to Apple per minute (searches and preview downloads together).
    public var callsPerMinute: Double = 20
    /// Lookups waiting at most; more are refused until the queue drains.
    public var maxQueued = 256
    /// Seconds one search or download may take.
    public var requestTimeout: Double = 15
    /// Largest preview accepted, in bytes.
    public var maxPreviewBytes = 4 << 20
    /// The storefront searched; nil: Apple's default (US).
    public var country: String?
    /// Retries of a call that failed transiently (timeout, connection, 5xx, 429), after
    /// `retryBackoff` seconds doubled per retry up to `retryMaxBackoff` (docs/itunes.md#retries).
    public var maxRetries = 2
    public var retryBackoff: Double = 2
    public var retryMaxBackoff: Double = 30
    /// Seconds before a lookup refused for a full queue is admitted again.
    public var refusedRetry: Double = 60

    public init() {}

    static let fileFields: Set<String> = [
        "itunes_lookups", "itunes_calls_per_minute", "itunes_queue_max", "itunes_request_timeout", "itunes_max_preview_kb", "itunes_country",
        "itunes_max_retries", "itunes_retry_backoff", "itunes_retry_max_backoff", "itunes_refused_retry",
    ]

    mutating func apply(_ m: [String: ConfigNode]) throws(ConfigurationError) {
        if let v = m["itunes_lookups"] { enabled = try v.bool() }
        if let v = m["itunes_calls_per_minute"] { callsPerMinute = try v.seconds() }
        if let v = m["itunes_queue_max"] { maxQueued = try v.int(min: 1) }
        if let v = m["itunes_request_timeout"] { requestTimeout = try v.seconds() }
        if let v = m["itunes_max_preview_kb"] { maxPreviewBytes = try v.int(min: 1) << 10 }
        if let v = m["itunes_country"] { country = try v.string() }
        if let v = m["itunes_max_retries"] { maxRetries = try v.int(min: 0) }
        if let v = m["itunes_retry_backoff"] { retryBackoff = try v.seconds() }
        if let v = m["itunes_retry_max_backoff"] { retryMaxBackoff = try v.seconds() }
        if let v = m["itunes_refused_retry"] { refusedRetry = try v.seconds() }
    }

    func validate() throws(ConfigurationError) {
        guard callsPerMinute.isFinite, callsPerMinute > 0, callsPerMinute <= 60_000 else {
            throw ConfigurationError("itunes_calls_per_minute: \(callsPerMinute) is not in (0, 60000]")
        }
        guard requestTimeout.isFinite, (0.1...300).contains(requestTimeout) else {
            throw ConfigurationError("itunes_request_timeout: \(requestTimeout) is not in 0.1...300")
        }
        guard maxQueued >= 1, maxPreviewBytes >= 1024 else {
            throw ConfigurationError("itunes_queue_max must be at least 1 and itunes_max_preview_kb at least 1")
        }
        guard (0...10).contains(maxRetries) else { throw ConfigurationError("itunes_max_retries: \(maxRetries) is not in 0...10") }
        for (name, value) in [("itunes_retry_backoff", retryBackoff), ("itunes_retry_max_backoff", retryMaxBackoff), ("itunes_refused_retry", refusedRetry)]
        where !(value.isFinite && (0...3600).contains(value)) {
            throw ConfigurationError("\(name): \(value) is not in 0...3600")
        }
        if let country, !(country.count == 2 && country.allSatisfy { $0.isASCII && $0.isLetter }) {
            throw ConfigurationError("itunes_country: '\(country)' is not a two-letter country code")
        }
    }

    /// The client's settings for `base`.
    func clientSettings(base: String) -> ITunesSettings {
        var s = ITunesSettings()
        s.base = base
        s.country = country
        s.requestTimeout = requestTimeout
        s.maxPreviewBytes = maxPreviewBytes
        s.queue.callsPerMinute = callsPerMinute
        s.queue.maxQueued = maxQueued
        s.retry = RetryPolicy(maxRetries: maxRetries, initialBackoff: retryBackoff, maxBackoff: retryMaxBackoff)
        s.refusedRetrySeconds = refusedRetry
        return s
    }
}
