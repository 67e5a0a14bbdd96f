import Foundation
import MusicCatalog
import Testing
import WireJSON

/// YouTube links end to end (docs/youtube.md): the real server polls `FakeUpstream`'s Spotify
/// and searches its YouTube Data API (`/youtube/v3/search`, which derives a predictable video
/// id from `q`); what the room hears and what the fake was asked are checked. Each suite has
/// its own server, because a quota error or a bad key stops every search of that server.
enum YouTubeExpectations {
    static let searchRoute = "/youtube/v3/search"

    /// The fake's video for a query, as `fake_upstream.py` derives it.
    static func url(_ query: String) -> String {
        "https://www.youtube.com/watch?v=yt" + FakeUpstream.digest(query).prefix(9)
    }

    /// The `q` of every search made with `key`.
    static func queries(_ upstream: FakeUpstream, key: String) -> [String] {
        upstream.records(token: key, route: searchRoute).compactMap { record in
            URLComponents(string: "http://fake" + record.path)?.queryItems?.first { $0.name == "q" }?.value
        }
    }
}

@Suite(.sharedServer(arguments: ["--spotify-poll-interval", "0.2", "--youtube-api-key", FakeUpstream.youtubeKey], upstream: true))
struct YouTubeLinkTests: SpotifyRoomTesting {
    let server: ServerProcess
    let upstream: FakeUpstream

    init() throws {
        server = try .shared
        upstream = try .shared
    }

    @Test func nowPlayingCarriesTheVideoAndEachTrackIsSearchedOnce() throws {
        let a = YouTubeExpectations.url("Fake Artist Song A"), b = YouTubeExpectations.url("Fake Artist Song B")
        for round in 0..<2 {
            var room = try room("yt-np-\(round)")
            let token = try giveToken(room.listener, "change", heldBy: upstream)
            // A playing, A paused, B playing, nothing (state 2 only moves the progress).
            let published = try nowPlaying(&room, token: token, steps: [1, 3, 4, 5], upstream: upstream)
            #expect(published.map { $0["track"]?["youtube_url"]?.stringValue } == [a, a, b, nil], "round \(round)")
            #expect(published.last?["track"] == .null)
            expectNoLeak(token, room)
            expectNoLeak(FakeUpstream.youtubeKey, room)
        }
        // The second room's tracks came from the cache: one search per track, ever.
        let queries = YouTubeExpectations.queries(upstream, key: FakeUpstream.youtubeKey)
        #expect(queries.filter { $0 == "Fake Artist Song A" }.count == 1, "\(queries)")
        #expect(queries.filter { $0 == "Fake Artist Song B" }.count == 1, "\(queries)")
        #expect(try server.metric("wavedefect_youtube_lookups_total", ["outcome": "cached"]).map { $0 >= 2 } == true)
    }

    @Test func noVideoIsPublishedAsNullAndStoredSoItIsNotAskedAgain() throws {
        for round in 0..<2 {
            var room = try room("yt-none-\(round)")
            _ = try giveToken(room.listener, "ytnone")
            let published = try nowPlaying(&room, count: 1)
            #expect(published.first?["track"]?["name"] == "Novideo Song", "round \(round)")
            #expect(published.first?["track"]?["youtube_url"] == .null, "round \(round)")
        }
        let queries = YouTubeExpectations.queries(upstream, key: FakeUpstream.youtubeKey)
        #expect(queries.filter { $0 == "Fake Artist Novideo Song" }.count == 1, "\(queries)")
        // The answer is in the catalog (another server on this file would not ask either).
        let catalog = try Catalog(path: server.databasePath, readOnly: true)
        let stored = try #require(try catalog.youtubeLink(key: "fake artist novideo song"))
        #expect(stored.videoID == nil)
        #expect(abs(stored.fetchedAt - Date().timeIntervalSince1970) < 120)
        #expect(try server.metric("wavedefect_youtube_lookups_total", ["outcome": "not_found"]) == 1)
    }
}

@Suite(.sharedServer(arguments: ["--spotify-poll-interval", "0.2", "--youtube-api-key", FakeUpstream.youtubeKey], upstream: true))
struct YouTubeQuotaTests: SpotifyRoomTesting {
    let server: ServerProcess
    let upstream: FakeUpstream

    init() throws {
        server = try .shared
        upstream = try .shared
    }

    @Test func quotaExceededStopsEverySearchForThePauseAndNothingBreaks() throws {
        var room = try room("yt-quota")
        let token = try giveToken(room.listener, "ytquota", heldBy: upstream)
        // "Later Song" is played only once the room heard "Quota Song", i.e. after its search
        // was answered 403: searches are paused by then.
        let published = try nowPlaying(&room, token: token, steps: [1, 4], upstream: upstream)
        #expect(published.map { $0["track"]?["name"]?.stringValue } == ["Quota Song", "Later Song"])
        #expect(published.map { $0["track"]?["youtube_url"] } == [.null, .null])
        // One search, answered 403 quotaExceeded; "Later Song" was not searched (paused an hour).
        #expect(YouTubeExpectations.queries(upstream, key: FakeUpstream.youtubeKey) == ["Fake Artist Quota Song"])
        #expect(try server.metric("wavedefect_youtube_search_failures_total", ["kind": "quota"]) == 1)
        #expect(try server.metric("wavedefect_youtube_lookups_total", ["outcome": "skipped"]).map { $0 >= 1 } == true)
        #expect(try server.metric("wavedefect_youtube_paused_seconds").map { $0 > 3000 } == true)
        #expect(server.log.contains("youtube search failed; searches paused"))
        #expect(server.log.contains("quotaExceeded"))
        expectNoLeak(token, room)
        expectNoLeak(FakeUpstream.youtubeKey, room)
        // The room still works: the listener keeps polling Spotify.
        let polls = upstream.records(token: token, route: "/v1/me/player/currently-playing").count
        upstream.waitFor(token: token, route: "/v1/me/player/currently-playing") { $0.count >= polls + 2 }
    }
}

@Suite(.sharedServer(arguments: ["--spotify-poll-interval", "0.2", "--youtube-api-key", "not-the-key"], upstream: true))
struct YouTubeBadKeyTests: SpotifyRoomTesting {
    let server: ServerProcess
    let upstream: FakeUpstream

    init() throws {
        server = try .shared
        upstream = try .shared
    }

    @Test func aRefusedKeyIsLoggedOncePublishesNullAndStopsSearching() throws {
        var room = try room("yt-badkey")
        let token = try giveToken(room.listener, "change", heldBy: upstream)
        let published = try nowPlaying(&room, token: token, steps: [1, 3, 4, 5], upstream: upstream)
        #expect(SpotifyTests.summary(published) == ["trackA:true", "trackA:false", "trackB:true", "null:false"])
        #expect(published.map { $0["track"]?["youtube_url"] ?? .null }.allSatisfy { $0 == .null })
        // Song A was asked once (400 badRequest); Song B not at all: searches are paused.
        #expect(YouTubeExpectations.queries(upstream, key: "not-the-key") == ["Fake Artist Song A"])
        #expect(try server.metric("wavedefect_youtube_search_failures_total", ["kind": "key"]) == 1)
        #expect(server.log.components(separatedBy: "YouTube refused the API key").count == 2, "logged once")
        #expect(!server.log.contains("not-the-key"))
        // Nothing was cached: a key fixed later finds the video.
        let catalog = try Catalog(path: server.databasePath, readOnly: true)
        #expect(try catalog.youtubeLink(key: "fake artist song a") == nil)
    }
}
