import HTTPClient

/// Spotify counters for /metrics: server-wide, never per participant, never a token
/// (docs/spotify.md#metrics).
struct SpotifyStats {
    /// Why a currently-playing poll produced no playback.
    enum PollError: String, CaseIterable {
        /// 401: the token was refused.
        case unauthorized
        /// 429.
        case rateLimited = "rate_limited"
        /// 5xx.
        case serverError = "server_error"
        /// No complete answer within `spotify_request_timeout`.
        case timeout
        /// A body over the cap (`SpotifyAPI.maxBodyBytes`).
        case tooLarge = "too_large"
        /// A status Spotify does not document for the endpoint, or a body that is not its JSON.
        case badResponse = "bad_response"
        /// Could not connect, reset, TLS…
        case transport
    }

    /// currently-playing requests sent.
    var polls = 0
    var pollErrors: [PollError: Int] = [:]
    /// now-playing publications (changes only).
    var published = 0
    /// Participants told `spotify_expired` (401 or `expires_in` ran out).
    var expired = 0
    var topTracksRequests = 0
    var topTracksFailures = 0
    /// Top tracks matched to the catalog and stored in `spotify_top` profiles.
    var topTracksStored = 0

    /// The error kind of one poll's result, nil when it produced a playback (200, 204).
    static func pollError(_ result: Result<HTTPClientResponse, HTTPClientError>, readable: Bool) -> PollError? {
        switch result {
        case .success(let response):
            switch response.status {
            case 200, 204: return readable ? nil : .badResponse
            case 401: return .unauthorized
            case 429: return .rateLimited
            case 500...599: return .serverError
            default: return .badResponse
            }
        case .failure(let error):
            switch error {
            case .timedOut: return .timeout
            case .responseTooLarge: return .tooLarge
            default: return .transport
            }
        }
    }
}

extension WaveDefectServer {
    /// The Spotify series of /metrics.
    func writeSpotifyMetrics(to p: inout PrometheusExposition) {
        let s = spotifyStats
        p.metric("wavedefect_spotify_polls_total", "counter", "Spotify currently-playing requests sent.")
        p.sample("wavedefect_spotify_polls_total", [], Double(s.polls))
        p.metric("wavedefect_spotify_poll_errors_total", "counter", "Spotify currently-playing requests that produced no playback, by kind.")
        for kind in SpotifyStats.PollError.allCases {
            p.sample("wavedefect_spotify_poll_errors_total", [("kind", kind.rawValue)], Double(s.pollErrors[kind] ?? 0))
        }
        let counters: [(String, String, Int)] = [
            ("wavedefect_spotify_published_total", "now-playing publications (track or play state changed).", s.published),
            ("wavedefect_spotify_expired_total", "Participants told their Spotify token expired (401 or expires_in).", s.expired),
            ("wavedefect_spotify_top_tracks_requests_total", "Spotify top-tracks requests sent.", s.topTracksRequests),
            ("wavedefect_spotify_top_tracks_failures_total", "Spotify top-tracks requests that failed (retried with the next poll).", s.topTracksFailures),
            ("wavedefect_spotify_top_tracks_stored_total", "Top tracks matched to the catalog and stored as spotify_top profile entries.", s.topTracksStored),
        ]
        for (name, help, value) in counters {
            p.metric(name, "counter", help)
            p.sample(name, [], Double(value))
        }
        var polling = 0, waiting = 0, inFlight = 0
        for link in spotifyLinks.values {
            switch link.phase {
            case .scheduled, .requesting: polling += 1
            case .waitingForToken: waiting += 1
            case .stopped: break
            }
            inFlight += link.requestsInFlight
        }
        p.metric("wavedefect_spotify_links", "gauge", "Participants with Spotify linked: polling (a live token), waiting (for a new token).")
        p.sample("wavedefect_spotify_links", [("state", "polling")], Double(polling))
        p.sample("wavedefect_spotify_links", [("state", "waiting")], Double(waiting))
        p.metric("wavedefect_spotify_requests_in_flight", "gauge", "Spotify requests out now (currently-playing and top tracks).")
        p.sample("wavedefect_spotify_requests_in_flight", [], Double(inFlight))
    }
}
