import SpotifyCore
import Testing
import WireJSON

/// Bodies in the shapes Spotify documents (Web API reference, "Get Currently Playing Track"
/// and "Get User's Top Items").
enum SpotifyBodies {
    static func track(_ id: String, _ name: String, artist: String = "Artist", isrc: String? = nil) -> String {
        let ids = isrc.map { #","external_ids":{"isrc":"\#($0)"}"# } ?? ""
        return #"{"album":{"album_type":"album","name":"Album \#(name)","images":[{"url":"https://i.scdn.co/image/big","height":640,"width":640},{"url":"https://i.scdn.co/image/small","height":64,"width":64}]},"artists":[{"id":"ar1","name":"\#(artist)","type":"artist"},{"name":"Guest"}],"duration_ms":215000,"explicit":false,"id":"\#(id)","name":"\#(name)","popularity":50,"preview_url":null,"type":"track","uri":"spotify:track:\#(id)"\#(ids)}"#
    }

    static func nowPlaying(_ id: String, _ name: String, playing: Bool = true, progress: Int = 1234) -> String {
        #"{"timestamp":1700000000000,"context":null,"progress_ms":\#(progress),"item":\#(track(id, name)),"currently_playing_type":"track","actions":{"disallows":{"resuming":true}},"is_playing":\#(playing)}"#
    }
}

@Suite struct SpotifyAPITests {
    @Test func readsACurrentlyPlayingBody() throws {
        let p = try SpotifyPlayback(body: Array(SpotifyBodies.nowPlaying("4uLU6hMCjMI75M1A2tKUQC", "Never", playing: true).utf8))
        #expect(p.isPlaying)
        #expect(p.progressMilliseconds == 1234)
        #expect(p.track == SpotifyTrack(
            spotifyID: "4uLU6hMCjMI75M1A2tKUQC", name: "Never", artists: ["Artist", "Guest"], album: "Album Never",
            image: "https://i.scdn.co/image/big", durationMilliseconds: 215000
        ))
    }

    @Test func anEpisodeOrAnAdIsNoTrack() throws {
        let body = #"{"is_playing":true,"progress_ms":5,"item":null,"currently_playing_type":"ad"}"#
        #expect(try SpotifyPlayback(body: Array(body.utf8)) == SpotifyPlayback(isPlaying: true, progressMilliseconds: 5, track: nil))
    }

    @Test func outcomesByStatus() {
        let body = Array(SpotifyBodies.nowPlaying("x", "X").utf8)
        guard case .playback(let p) = SpotifyAPI.nowPlayingOutcome(status: 200, retryAfter: nil, body: body) else {
            Issue.record("200 not read")
            return
        }
        #expect(p.track?.spotifyID == "x")
        #expect(SpotifyAPI.nowPlayingOutcome(status: 204, retryAfter: nil, body: []) == .playback(.nothing))
        #expect(SpotifyAPI.nowPlayingOutcome(status: 200, retryAfter: nil, body: []) == .playback(.nothing))
        #expect(SpotifyAPI.nowPlayingOutcome(status: 401, retryAfter: nil, body: []) == .unauthorized)
        #expect(SpotifyAPI.nowPlayingOutcome(status: 429, retryAfter: " 17 ", body: []) == .rateLimited(retryAfter: 17))
        #expect(SpotifyAPI.nowPlayingOutcome(status: 429, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT", body: []) == .rateLimited(retryAfter: nil))
        #expect(SpotifyAPI.nowPlayingOutcome(status: 429, retryAfter: nil, body: []) == .rateLimited(retryAfter: nil))
        #expect(SpotifyAPI.nowPlayingOutcome(status: 500, retryAfter: nil, body: []) == .failed)
        #expect(SpotifyAPI.nowPlayingOutcome(status: 503, retryAfter: "3", body: []) == .failed)
        #expect(SpotifyAPI.nowPlayingOutcome(status: 200, retryAfter: nil, body: Array("<html>".utf8)) == .failed)
        #expect(SpotifyAPI.nowPlayingOutcome(status: 200, retryAfter: nil, body: Array(#"{"is_playing":true,"item":{"name":"no id"}}"#.utf8)) == .failed)
    }

    @Test func urls() {
        #expect(SpotifyAPI.nowPlayingURL(base: "http://127.0.0.1:9/") == "http://127.0.0.1:9/v1/me/player/currently-playing")
        #expect(SpotifyAPI.topTracksURL(base: "https://api.spotify.com", timeRange: "short_term", limit: 80)
            == "https://api.spotify.com/v1/me/top/tracks?time_range=short_term&limit=50")
        #expect(SpotifyAPI.topTracksURL(base: "https://api.spotify.com", limit: 0).hasSuffix("limit=1"))
        #expect(SpotifyAPI.authorization("abc") == "Bearer abc")
    }

    @Test func topTracksSkipLocalFiles() throws {
        let local = #"{"id":null,"name":"local.mp3","duration_ms":1,"is_local":true}"#
        let body = #"{"href":"x","limit":50,"offset":0,"total":3,"next":null,"previous":null,"items":[\#(SpotifyBodies.track("a", "One", isrc: "USRC1")),\#(local),\#(SpotifyBodies.track("b", "Two"))]}"#
        let tracks = try SpotifyAPI.topTracks(body: Array(body.utf8))
        #expect(tracks.map(\.spotifyID) == ["a", "b"])
        #expect(tracks[0].isrc == "USRC1")
        #expect(throws: JSONBodyError.self) { try SpotifyAPI.topTracks(body: Array("{}".utf8)) }
        #expect(throws: JSONBodyError.self) { try SpotifyAPI.topTracks(body: Array("nope".utf8)) }
    }

    @Test func nowPlayingPayloadIsExact() throws {
        let p = SpotifyPlayback(isPlaying: true, progressMilliseconds: 42, track: SpotifyTrack(
            spotifyID: "id1", name: "Song \"Q\"", artists: ["A", "B"], album: "Al", image: nil, durationMilliseconds: 1000
        ))
        #expect(String(decoding: NowPlayingMessage.encode(identity: "ann", playback: p, catalogID: 7), as: UTF8.self)
            == #"{"identity":"ann","is_playing":true,"progress_ms":42,"track":{"spotify_id":"id1","name":"Song \"Q\"","artists":["A","B"],"album":"Al","image":null,"duration_ms":1000,"catalog_id":7,"youtube_url":null}}"#)
        #expect(String(decoding: NowPlayingMessage.encode(identity: "ann", playback: p, catalogID: nil, youtubeURL: "https://www.youtube.com/watch?v=abc"), as: UTF8.self)
            .hasSuffix(#""catalog_id":null,"youtube_url":"https://www.youtube.com/watch?v=abc"}}"#))
        #expect(String(decoding: NowPlayingMessage.encode(identity: "bo", playback: .nothing, catalogID: nil), as: UTF8.self)
            == #"{"identity":"bo","is_playing":false,"progress_ms":null,"track":null}"#)
        #expect(String(decoding: NowPlayingMessage.expired, as: UTF8.self) == #"{"type":"spotify_expired"}"#)
    }
}
