/// Where the server reaches Spotify, iTunes and YouTube, and what it tells the browser
/// (docs/spotify.md#configuration). Flags `--spotify-api-base` … and config-file keys
/// `spotify_api_base` … set them.
public struct ExternalServiceSettings: Sendable, Equatable {
    public var spotifyAPIBase = "https://api.spotify.com"
    public var spotifyAccountsBase = "https://accounts.spotify.com"
    public var itunesBase = "https://itunes.apple.com"
    public var youtubeAPIBase = "https://www.googleapis.com"
    /// Server-side YouTube Data API key; nil: no lookups.
    public var youtubeAPIKey: String?
    /// The Spotify app's client id, handed to the browser for PKCE (not a secret).
    public var spotifyClientID: String?
    /// The redirect URI registered with the Spotify app (`http://127.0.0.1:PORT/…`).
    public var spotifyRedirectURI: String?
    /// Seconds between currently-playing polls per participant (fractional allowed).
    public var spotifyPollInterval: Double = 5
    /// Seconds one Spotify request may take before it counts as a failure (and backs off).
    public var spotifyRequestTimeout: Double = 10
    /// `time_range` and `limit` of the top-tracks read.
    public var topTracksTimeRange = "medium_term"
    public var topTracksLimit = 50

    public init() {}

    /// The API base as the code names it (kept short at call sites).
    var apiBase: String { spotifyAPIBase }
    var requestTimeout: Double { spotifyRequestTimeout }

    static let fileFields: Set<String> = [
        "spotify_api_base", "spotify_accounts_base", "itunes_base", "youtube_api_base", "youtube_api_key",
        "spotify_client_id", "spotify_redirect_uri", "spotify_poll_interval", "spotify_request_timeout",
        "spotify_top_time_range", "spotify_top_limit",
    ]

    mutating func apply(_ m: [String: ConfigNode]) throws(ConfigurationError) {
        if let v = m["spotify_api_base"] { spotifyAPIBase = try v.string() }
        if let v = m["spotify_accounts_base"] { spotifyAccountsBase = try v.string() }
        if let v = m["itunes_base"] { itunesBase = try v.string() }
        if let v = m["youtube_api_base"] { youtubeAPIBase = try v.string() }
        if let v = m["youtube_api_key"] { youtubeAPIKey = try v.string() }
        if let v = m["spotify_client_id"] { spotifyClientID = try v.string() }
        if let v = m["spotify_redirect_uri"] { spotifyRedirectURI = try v.string() }
        if let v = m["spotify_poll_interval"] { spotifyPollInterval = try v.seconds() }
        if let v = m["spotify_request_timeout"] { spotifyRequestTimeout = try v.seconds() }
        if let v = m["spotify_top_time_range"] { topTracksTimeRange = try v.string() }
        if let v = m["spotify_top_limit"] { topTracksLimit = try v.int(min: 1) }
    }

    func validate() throws(ConfigurationError) {
        let bases = [
            ("spotify_api_base", spotifyAPIBase), ("spotify_accounts_base", spotifyAccountsBase),
            ("itunes_base", itunesBase), ("youtube_api_base", youtubeAPIBase),
        ]
        for (name, url) in bases where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ConfigurationError("\(name): '\(url)' is not an http(s) URL")
        }
        guard spotifyPollInterval.isFinite, (0.05...3600).contains(spotifyPollInterval) else {
            throw ConfigurationError("spotify_poll_interval: \(spotifyPollInterval) is not in 0.05...3600")
        }
        guard spotifyRequestTimeout.isFinite, (0.1...300).contains(spotifyRequestTimeout) else {
            throw ConfigurationError("spotify_request_timeout: \(spotifyRequestTimeout) is not in 0.1...300")
        }
        guard ["short_term", "medium_term", "long_term"].contains(topTracksTimeRange) else {
            throw ConfigurationError("spotify_top_time_range: '\(topTracksTimeRange)' is not short_term, medium_term or long_term")
        }
        guard (1...50).contains(topTracksLimit) else {
            throw ConfigurationError("spotify_top_limit: \(topTracksLimit) is not in 1...50")
        }
    }
}
