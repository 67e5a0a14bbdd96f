import HTTPCore
import WireJSON

/// The Spotify Web API requests the server makes and how their answers read. Pure: URLs
/// in, outcomes out; the HTTP client carries them.
public enum SpotifyAPI {
    /// Largest body accepted from either endpoint (a currently-playing answer is a few KB,
    /// 50 top tracks about 200 KB).
    public static let maxBodyBytes = 1 << 20

    public static func nowPlayingURL(base: String) -> String {
        trimmed(base) + "/v1/me/player/currently-playing"
    }

    /// `time_range` is `short_term`, `medium_term` or `long_term`; `limit` is clamped to
    /// Spotify's 1...50.
    public static func topTracksURL(base: String, timeRange: String = "medium_term", limit: Int = 50) -> String {
        trimmed(base) + "/v1/me/top/tracks?time_range=\(timeRange)&limit=\(min(max(limit, 1), 50))"
    }

    /// The `Authorization` header value. The token goes nowhere else.
    public static func authorization(_ token: String) -> String { "Bearer " + token }

    /// Reads a `currently-playing` answer: 200 with a body, 204 (nothing playing), 401,
    /// 429 (`retryAfter` is the header's value), anything else a failure.
    public static func nowPlayingOutcome(status: Int, retryAfter: String?, body: [UInt8]) -> SpotifyPoller.Outcome {
        switch status {
        case 200:
            // Spotify has answered 200 with an empty body where 204 was meant.
            if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .playback(.nothing) }
            guard let playback = try? SpotifyPlayback(body: body) else { return .failed }
            return .playback(playback)
        case 204: return .playback(.nothing)
        case 401: return .unauthorized
        case 429: return .rateLimited(retryAfter: retryAfter.flatMap(RetryAfter.seconds))
        default: return .failed
        }
    }

    /// Reads `/v1/me/top/tracks` (a paging object of `TrackObject`s). Items that are not
    /// readable tracks (local files) are skipped.
    public static func topTracks(body: [UInt8]) throws(JSONBodyError) -> [SpotifyTrack] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw .badJSON("top tracks body is not JSON: \(error)")
        }
        guard let items = json.objectValue?["items"]?.arrayValue else { throw .badShape("top tracks body has no 'items' array") }
        return items.compactMap { try? SpotifyTrack(json: $0) }
    }

    private static func trimmed(_ base: String) -> String {
        var b = Substring(base)
        while b.hasSuffix("/") { b.removeLast() }
        return String(b)
    }
}
