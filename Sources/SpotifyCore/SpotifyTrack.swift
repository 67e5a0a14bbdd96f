import WireJSON

/// A track as the Spotify Web API describes it (the `TrackObject` of
/// `/v1/me/player/currently-playing` and `/v1/me/top/tracks`), reduced to what the room
/// shows and what the catalog matches on.
public struct SpotifyTrack: Sendable, Equatable {
    public var spotifyID: String
    public var name: String
    public var artists: [String]
    public var album: String?
    /// The album's largest image (Spotify lists them widest first).
    public var image: String?
    public var durationMilliseconds: Int
    /// `external_ids.isrc`, which identifies the recording across services.
    public var isrc: String?

    public init(
        spotifyID: String, name: String, artists: [String], album: String? = nil, image: String? = nil,
        durationMilliseconds: Int, isrc: String? = nil
    ) {
        self.spotifyID = spotifyID
        self.name = name
        self.artists = artists
        self.album = album
        self.image = image
        self.durationMilliseconds = durationMilliseconds
        self.isrc = isrc
    }

    /// Reads a `TrackObject`. `id`, `name` and `duration_ms` are required; local files have
    /// a null `id` and are refused (nothing to match them with).
    public init(json: JSONValue) throws(JSONBodyError) {
        guard let object = json.objectValue else { throw .badShape("track is not an object") }
        guard let id = object["id"]?.stringValue, !id.isEmpty else { throw .badShape("track has no 'id'") }
        guard let name = object["name"]?.stringValue else { throw .badShape("track has no 'name'") }
        guard let duration = object["duration_ms"]?.int64Value, let ms = Int(exactly: duration), ms >= 0 else {
            throw .badShape("track has no 'duration_ms'")
        }
        let artists = (object["artists"]?.arrayValue ?? []).compactMap { $0.objectValue?["name"]?.stringValue }
        let album = object["album"]?.objectValue
        let image = album?["images"]?.arrayValue?.first?.objectValue?["url"]?.stringValue
        self.init(
            spotifyID: id, name: name, artists: artists, album: album?["name"]?.stringValue, image: image,
            durationMilliseconds: ms, isrc: object["external_ids"]?.objectValue?["isrc"]?.stringValue
        )
    }
}

/// What `/v1/me/player/currently-playing` says: a track (or nothing: 204, an episode, an ad)
/// and whether it plays.
public struct SpotifyPlayback: Sendable, Equatable {
    public var isPlaying: Bool
    public var progressMilliseconds: Int?
    /// nil when nothing is playing or what plays is not a track.
    public var track: SpotifyTrack?

    public init(isPlaying: Bool, progressMilliseconds: Int? = nil, track: SpotifyTrack? = nil) {
        self.isPlaying = isPlaying
        self.progressMilliseconds = progressMilliseconds
        self.track = track
    }

    /// Nothing playing (the 204 answer).
    public static let nothing = SpotifyPlayback(isPlaying: false)

    /// Reads a `CurrentlyPlayingContextObject`. An `item` that is null or not a track
    /// (`currently_playing_type` "episode", "ad", "unknown") gives a nil `track`.
    public init(body: [UInt8]) throws(JSONBodyError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw .badJSON("currently-playing body is not JSON: \(error)")
        }
        guard let object = json.objectValue else { throw .badShape("currently-playing body is not an object") }
        let playing = object["is_playing"]?.boolValue ?? false
        let progress = object["progress_ms"]?.int64Value.flatMap { Int(exactly: $0) }
        var track: SpotifyTrack?
        if let item = object["item"], !item.isNull, (object["currently_playing_type"]?.stringValue ?? "track") == "track" {
            track = try SpotifyTrack(json: item)
        }
        self.init(isPlaying: playing, progressMilliseconds: progress, track: track)
    }

    /// What a change is judged on: the track and the play state, not the progress (which
    /// moves on every poll).
    public func isSameState(as other: SpotifyPlayback) -> Bool {
        isPlaying == other.isPlaying && track?.spotifyID == other.track?.spotifyID
    }
}
