import Testing
import YouTubeCore

struct YouTubeAPITests {
    @Test func queryIsFirstArtistThenTitleAndTheCacheKeyIgnoresCaseAndSpacing() {
        #expect(YouTubeAPI.query(title: " Song A ", artist: "Fake Artist") == "Fake Artist Song A")
        #expect(YouTubeAPI.query(title: "Song A", artist: nil) == "Song A")
        #expect(YouTubeAPI.query(title: "Song A", artist: "  ") == "Song A")
        #expect(YouTubeAPI.cacheKey("Fake  Artist\tSong A") == YouTubeAPI.cacheKey("fake artist song a"))
        #expect(YouTubeAPI.cacheKey("Fake Artist Song A") == "fake artist song a")
    }

    @Test func searchURLEncodesQueryAndKey() {
        let url = YouTubeAPI.searchURL(base: "http://127.0.0.1:9/", query: "Ba & Bé?", key: "k+y")
        #expect(url == "http://127.0.0.1:9/youtube/v3/search?part=snippet&type=video&maxResults=1&q=Ba%20%26%20B%C3%A9%3F&key=k%2By")
    }

    @Test func firstVideoOfASearchListIsTheAnswer() throws {
        let body = Array(#"{"kind":"youtube#searchListResponse","items":[{"id":{"kind":"youtube#channel","channelId":"UC1"}},{"id":{"kind":"youtube#video","videoId":"dQw4w9WgXcQ"}}]}"#.utf8)
        #expect(try YouTubeAPI.answer(status: 200, body: body).get() == "dQw4w9WgXcQ")
        #expect(YouTubeAPI.watchURL("dQw4w9WgXcQ") == "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    }

    @Test func emptySearchListIsNoVideoAndAnIdThatIsNotOneIsSkipped() throws {
        #expect(try YouTubeAPI.answer(status: 200, body: Array(#"{"items":[]}"#.utf8)).get() == nil)
        #expect(try YouTubeAPI.answer(status: 200, body: Array(#"{"items":[{"id":{"videoId":"a\"><script>"}}]}"#.utf8)).get() == nil)
        #expect(YouTubeAPI.isVideoID("ab-_09XZ"))
        #expect(!YouTubeAPI.isVideoID(""))
        #expect(!YouTubeAPI.isVideoID("a/b"))
    }

    @Test func errorsAreClassifiedByGooglesReason() throws {
        func failure(_ status: Int, _ body: String) throws -> YouTubeSearchError {
            guard case .failure(let e) = YouTubeAPI.answer(status: status, body: Array(body.utf8)) else { throw Unexpected() }
            return e
        }
        let quota = try failure(403, #"{"error":{"code":403,"errors":[{"reason":"quotaExceeded","domain":"youtube.quota"}]}}"#)
        #expect(quota.isQuotaExceeded && quota.pausesAll && quota.kind == "quota" && quota.reason == "quotaExceeded")
        let key = try failure(400, #"{"error":{"code":400,"errors":[{"reason":"badRequest"}]}}"#)
        #expect(key.isKeyRejected && key.pausesAll && key.kind == "key")
        let server = try failure(503, "not json")
        #expect(!server.pausesAll && server.kind == "status" && server.reason == nil)
        #expect(server.description == "YouTube answered HTTP 503")
        let unreadable = try failure(200, #"{"kind":"nope"}"#)
        #expect(unreadable == .unreadable && !unreadable.pausesAll)
        #expect(!YouTubeSearchError.transport("timed out").pausesAll)
    }

    struct Unexpected: Error {}
}

struct YouTubeCacheTests {
    @Test func aVideoStaysAndNoVideoExpires() {
        let found = YouTubeCachedLink(videoID: "abc", fetchedAt: 0)
        #expect(found.isFresh(now: 1e12, negativeSeconds: 10))
        #expect(found.url == "https://www.youtube.com/watch?v=abc")
        let none = YouTubeCachedLink(videoID: nil, fetchedAt: 100)
        #expect(none.isFresh(now: 109.9, negativeSeconds: 10))
        #expect(!none.isFresh(now: 110, negativeSeconds: 10))
        #expect(none.url == nil)
    }
}

struct YouTubeSearchGateTests {
    @Test func quotaAndKeyErrorsCloseTheGateForThePause() {
        var g = YouTubeSearchGate(pauseSeconds: 3600, retrySeconds: 30)
        #expect(g.isOpen(now: 0))
        #expect(g.failed(.status(403, reason: "quotaExceeded"), now: 10) == 3610)
        #expect(!g.isOpen(now: 3609.9))
        #expect(g.isOpen(now: 3610))
        #expect(g.failed(.status(400, reason: "keyInvalid"), now: 4000) == 7600)
    }

    @Test func otherFailuresDoubleTheRetryUpToThePauseAndSuccessResets() {
        var g = YouTubeSearchGate(pauseSeconds: 100, retrySeconds: 30)
        #expect(g.failed(.transport("timed out"), now: 0) == 30)
        #expect(g.failed(.status(500, reason: nil), now: 30) == 90)
        #expect(g.failed(.status(500, reason: nil), now: 90) == 190)  // 120 capped at 100
        #expect(g.failuresInARow == 3)
        g.succeeded()
        #expect(g.failed(.unreadable, now: 200) == 230)
    }

    @Test func aShorterWaitNeverReopensALongerPause() {
        var g = YouTubeSearchGate(pauseSeconds: 3600, retrySeconds: 30)
        g.failed(.status(403, reason: "quotaExceeded"), now: 0)
        #expect(g.failed(.transport("x"), now: 1) == 3600)
    }
}
