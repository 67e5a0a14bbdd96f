import TrackText
import WireJSON

/// One song of an iTunes Search API answer (a `results` element with `wrapperType` "track"
/// and `kind` "song"), reduced to what matching, downloading and the catalog need.
public struct ITunesTrack: Sendable, Equatable {
    public var trackID: Int64
    public var name: String
    public var artist: String
    public var album: String?
    /// Milliseconds (`trackTimeMillis`); nil when the answer leaves it out.
    public var durationMilliseconds: Int?
    /// The 30 s AAC preview (`previewUrl`); nil for songs without one, which cannot be embedded.
    public var previewURL: String?

    public init(
        trackID: Int64, name: String, artist: String, album: String? = nil, durationMilliseconds: Int? = nil,
        previewURL: String? = nil
    ) {
        self.trackID = trackID
        self.name = name
        self.artist = artist
        self.album = album
        self.durationMilliseconds = durationMilliseconds
        self.previewURL = previewURL
    }

    /// Reads one `results` element; nil for anything that is not a song with a `trackId`,
    /// `trackName` and `artistName` (music videos, collections, artists).
    public init?(json: JSONValue) {
        guard let o = json.objectValue else { return nil }
        if let wrapper = o["wrapperType"]?.stringValue, wrapper != "track" { return nil }
        if let kind = o["kind"]?.stringValue, kind != "song" { return nil }
        guard let id = o["trackId"]?.int64Value, id > 0,
              let name = o["trackName"]?.stringValue, let artist = o["artistName"]?.stringValue else { return nil }
        let duration = o["trackTimeMillis"]?.int64Value.flatMap { Int(exactly: $0) }.flatMap { $0 > 0 ? $0 : nil }
        let preview = o["previewUrl"]?.stringValue.flatMap { $0.hasPrefix("http://") || $0.hasPrefix("https://") ? $0 : nil }
        self.init(
            trackID: id, name: name, artist: artist, album: o["collectionName"]?.stringValue,
            durationMilliseconds: duration, previewURL: preview)
    }
}

/// The track the server wants audio for (a Spotify top track, what someone plays): what the
/// iTunes search is made from and the best result is judged against.
public struct WantedTrack: Sendable, Equatable {
    public var title: String
    /// Every credited artist; the first is searched for, any may match.
    public var artists: [String]
    public var durationMilliseconds: Int?
    public var spotifyID: String?
    public var isrc: String?

    public init(title: String, artists: [String], durationMilliseconds: Int? = nil, spotifyID: String? = nil, isrc: String? = nil) {
        self.title = title
        self.artists = artists
        self.durationMilliseconds = durationMilliseconds
        self.spotifyID = spotifyID
        self.isrc = isrc
    }

    /// What the lookup queue tells lookups apart by: the Spotify id, else the ISRC, else the
    /// normalized artist and title.
    public var key: String {
        if let spotifyID, !spotifyID.isEmpty { return "spotify:" + spotifyID }
        if let isrc, !isrc.isEmpty { return "isrc:" + isrc }
        return "text:" + MatchText.normalizeArtist(artists.first ?? "") + "|" + MatchText.normalizeTitle(title)
    }

    /// The search term: the first artist and the title without its bracketed and dash-suffixed
    /// decorations ("(Remastered 2011)", "- Radio Edit"), which iTunes spells differently.
    public var searchTerm: String {
        let title = MatchText.normalizeTitle(title)
        guard let artist = artists.first.map(MatchText.normalizeArtist), !artist.isEmpty else { return title }
        return artist + " " + title
    }
}
