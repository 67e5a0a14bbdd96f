import WireJSON

/// The payload published on topic `now-playing` (docs/spotify.md#now-playing):
/// `{"identity","is_playing","progress_ms","track":{"spotify_id","name","artists","album",
/// "image","duration_ms","catalog_id","youtube_url"}}`, `track` null when nothing plays,
/// `catalog_id` null when the catalog lacks the track, `youtube_url` null without a YouTube key
/// or a video (docs/youtube.md). It never carries the token.
public enum NowPlayingMessage {
    public static let topic = "now-playing"

    public static func encode(identity: String, playback: SpotifyPlayback, catalogID: Int64?, youtubeURL: String? = nil) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 256)
        w.beginObject()
        w.key("identity"); w.string(identity)
        w.key("is_playing"); w.bool(playback.isPlaying)
        w.key("progress_ms")
        if let p = playback.progressMilliseconds { w.int(p) } else { w.null() }
        w.key("track")
        if let t = playback.track {
            w.beginObject()
            w.key("spotify_id"); w.string(t.spotifyID)
            w.key("name"); w.string(t.name)
            w.key("artists")
            w.beginArray()
            for a in t.artists { w.string(a) }
            w.endArray()
            w.key("album")
            if let album = t.album { w.string(album) } else { w.null() }
            w.key("image")
            if let image = t.image { w.string(image) } else { w.null() }
            w.key("duration_ms"); w.int(t.durationMilliseconds)
            w.key("catalog_id")
            if let catalogID { w.int(catalogID) } else { w.null() }
            w.key("youtube_url")
            if let youtubeURL { w.string(youtubeURL) } else { w.null() }
            w.endObject()
        } else {
            w.null()
        }
        w.endObject()
        return w.bytes
    }

    /// The message the participant alone gets when its token stops working or runs out.
    public static let expired: [UInt8] = Array(#"{"type":"spotify_expired"}"#.utf8)
}
