import ITunesCore
import MusicCatalog

/// Where and how the iTunes client works (docs/itunes.md#configuration). The server reads it
/// from `--itunes-*` flags and `itunes_*` config keys; `wavedefect crawl` from its options.
public struct ITunesSettings: Sendable, Equatable {
    /// The iTunes Search API base URL.
    public var base = "https://itunes.apple.com"
    /// The storefront searched (`country=`); nil: Apple's default (US).
    public var country: String?
    /// Results asked for per lookup (`limit=`).
    public var searchLimit = 5
    /// Seconds one search or preview download may take.
    public var requestTimeout: Double = 15
    /// Largest preview accepted (a 30 s AAC preview is 0.5–1.5 MB).
    public var maxPreviewBytes = 4 << 20
    /// Pacing, bounds and memory of the lookup queue.
    public var queue = LookupQueue<String>.Configuration()
    /// The match rule's weights and thresholds.
    public var matcher = ITunesMatcher()
    /// Which failed calls are tried again, how often and when (docs/itunes.md#retries).
    public var retry = RetryPolicy()
    /// Seconds before a lookup refused for a full queue is admitted again (at most
    /// `retry.maxRetries` times).
    public var refusedRetrySeconds: Double = 60

    public init() {}
}

/// What decoding and embedding a preview produced. The closure that makes it is handed in
/// (`PreviewEmbedder`), so the server's own target links no decoder (the executable does).
public struct EmbeddedPreview: Sendable {
    public var vector: [Float]
    /// Seconds of audio analysed.
    public var duration: Double
    /// The catalog model the vector belongs to.
    public var model: String
    /// The landmark fingerprint of the same samples (stored with the track, so recognition
    /// knows it); nil: none made.
    public var fingerprint: StoredFingerprint?

    public init(vector: [Float], duration: Double, model: String, fingerprint: StoredFingerprint? = nil) {
        self.vector = vector
        self.duration = duration
        self.model = model
        self.fingerprint = fingerprint
    }
}

/// Decodes preview bytes from memory, embeds and fingerprints them; throws when they are not
/// audio. Runs
/// on the thread pool, never on the loop thread.
public typealias PreviewEmbedder = @Sendable (_ bytes: [UInt8]) throws -> EmbeddedPreview

/// How one lookup ended.
public enum PreviewOutcome: Sendable, Equatable {
    /// Already in the catalog (by Spotify id, ISRC, iTunes id or the same preview bytes);
    /// no preview was downloaded, or the download turned out to be a known one.
    case known(trackID: Int64)
    /// Downloaded, decoded, embedded and stored as this catalog track.
    case stored(trackID: Int64, title: String, artist: String)
    /// iTunes had no result the match rule accepts.
    case noMatch
    /// Not queued: the queue is full, or the track was looked up recently without a match.
    case refused(LookupQueue<String>.Admission)
    /// The search or the download failed, or the preview was not audio.
    case failed(String)

    /// The catalog track the lookup ended with.
    public var trackID: Int64? {
        switch self {
        case .known(let id), .stored(let id, _, _): id
        default: nil
        }
    }
}

/// Counters for /metrics and the crawl summary.
public struct ITunesStats: Sendable, Equatable {
    public var searches = 0
    public var downloads = 0
    public var stored = 0
    public var known = 0
    public var unmatched = 0
    public var failures = 0
    public var refused = 0
    /// Calls tried again after a transient failure.
    public var retries = 0
    /// Lookups that joined one already waiting or running for the same track.
    public var joined = 0
    public var previewBytes = 0
    /// Thread-pool seconds spent decoding and embedding previews.
    public var embedSeconds = 0.0

    public init() {}
}
