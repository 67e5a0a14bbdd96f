import EventLoop
import HTTPClient
import RoomCore
import SpotifyCore
import WireJSON
import WireProtocol

extension WaveDefectServer {
    /// The one client on the loop for webhooks, Spotify, iTunes and YouTube: requests per
    /// host bounded, with a bounded queue behind them; bodies capped per request.
    static func httpClientConfiguration(_ settings: ServerConfiguration.HTTPClientSettings) -> CurlMulti.Configuration {
        var c = CurlMulti.Configuration()
        c.userAgent = "WaveDefect/\(version)"
        c.maxRequestsPerHost = settings.maxRequestsPerHost
        c.maxQueuedPerHost = settings.maxQueuedPerHost
        c.maxConnections = settings.maxConnections
        c.maxResponseBodyBytes = settings.maxResponseBytes
        return c
    }

    /// `{"type":"spotify",…}` from `participant`: starts (or resumes) its polling.
    func receiveSpotifyToken(_ request: SpotifyTokenRequest, room: Room, participant: Participant) {
        let link: SpotifyLink
        if let existing = spotifyLinks[participant.sid] {
            link = existing
        } else {
            var c = SpotifyPoller.Configuration()
            c.interval = configuration.spotify.spotifyPollInterval
            link = SpotifyLink(server: self, room: room, participant: participant, configuration: c)
            spotifyLinks[participant.sid] = link
        }
        link.receiveToken(request)
    }

    /// The participant is gone for good: its token goes with it.
    func spotifyParticipantLeft(sid: String) {
        spotifyLinks.removeValue(forKey: sid)?.stop()
    }

    func stopSpotify() {
        for link in spotifyLinks.values { link.stop() }
        spotifyLinks.removeAll()
        itunes?.close()
    }

    /// What the browser asks Spotify for: now playing, and top tracks.
    static let spotifyScopes = ["user-read-currently-playing", "user-read-playback-state", "user-top-read"]

    /// `GET /api/config`: what the browser needs to run Spotify's PKCE flow itself. No
    /// secret: the client id and redirect URI are public by design.
    func publicConfigJSON() -> [UInt8] {
        let s = configuration.spotify
        var w = JSONWriter()
        w.beginObject()
        w.key("spotify")
        w.beginObject()
        w.key("client_id")
        if let id = s.spotifyClientID { w.string(id) } else { w.null() }
        w.key("redirect_uri")
        if let uri = s.spotifyRedirectURI { w.string(uri) } else { w.null() }
        w.key("accounts_base"); w.string(s.spotifyAccountsBase)
        // A list, as OAuth's scope is a set; the browser joins it with spaces for the URL.
        w.key("scopes")
        w.beginArray()
        for scope in Self.spotifyScopes { w.string(scope) }
        w.endArray()
        w.key("poll_interval"); w.double(s.spotifyPollInterval)
        w.endObject()
        w.key("youtube"); w.bool(s.youtubeAPIKey != nil)
        w.endObject()
        return w.bytes
    }
}
