import SpotifyCore
import Testing

private let s: UInt64 = 1_000_000_000
private let track = SpotifyTrack(spotifyID: "a", name: "A", artists: ["X"], durationMilliseconds: 1000)
private let other = SpotifyTrack(spotifyID: "b", name: "B", artists: ["Y"], durationMilliseconds: 2000)

@Suite struct SpotifyPollerTests {
    /// A poller that received token "t" (valid 3600 s) at t = 0 and has its first request out.
    private func started(interval: Double = 5) -> SpotifyPoller {
        var p = SpotifyPoller(configuration: .init(interval: interval))
        #expect(p.receiveToken("t", expiresIn: 3600, now: 0) == [.fetchTopTracks(token: "t"), .fetchNowPlaying(token: "t")])
        #expect(p.phase == .requesting)
        return p
    }

    @Test func firstAnswerIsPublishedAndNextPollIsOneIntervalLater() {
        var p = started()
        let playing = SpotifyPlayback(isPlaying: true, progressMilliseconds: 10, track: track)
        #expect(p.receive(.playback(playing), now: 1 * s, unit: 0) == [.publish(playing), .wake(at: 6 * s)])
        #expect(p.phase == .scheduled)
        #expect(p.wake(now: 5 * s) == [.wake(at: 6 * s)])  // early: wait on
        #expect(p.wake(now: 6 * s) == [.fetchNowPlaying(token: "t")])
    }

    @Test func publishesOnlyWhenTrackOrPlayStateChanges() {
        var p = started()
        let a1 = SpotifyPlayback(isPlaying: true, progressMilliseconds: 10, track: track)
        _ = p.receive(.playback(a1), now: 0, unit: 0)
        _ = p.wake(now: 5 * s)
        // Progress moved: nothing published.
        #expect(p.receive(.playback(SpotifyPlayback(isPlaying: true, progressMilliseconds: 5000, track: track)), now: 5 * s, unit: 0) == [.wake(at: 10 * s)])
        _ = p.wake(now: 10 * s)
        let paused = SpotifyPlayback(isPlaying: false, progressMilliseconds: 5100, track: track)
        #expect(p.receive(.playback(paused), now: 10 * s, unit: 0) == [.publish(paused), .wake(at: 15 * s)])
        _ = p.wake(now: 15 * s)
        let b = SpotifyPlayback(isPlaying: false, progressMilliseconds: 0, track: other)
        #expect(p.receive(.playback(b), now: 15 * s, unit: 0) == [.publish(b), .wake(at: 20 * s)])
        _ = p.wake(now: 20 * s)
        #expect(p.receive(.playback(.nothing), now: 20 * s, unit: 0) == [.publish(.nothing), .wake(at: 25 * s)])
        _ = p.wake(now: 25 * s)
        #expect(p.receive(.playback(.nothing), now: 25 * s, unit: 0) == [.wake(at: 30 * s)])
    }

    @Test func unauthorizedDropsTheTokenUntilANewOne() {
        var p = started()
        #expect(p.receive(.unauthorized, now: 1 * s, unit: 0) == [.notifyExpired, .cancelWake])
        #expect(p.phase == .waitingForToken)
        #expect(p.token == nil)
        #expect(p.wake(now: 100 * s) == [])
        #expect(p.receiveToken("u", expiresIn: 3600, now: 101 * s) == [.fetchTopTracks(token: "u"), .fetchNowPlaying(token: "u")])
    }

    @Test func unauthorizedForAReplacedTokenRetriesWithTheNewOne() {
        var p = started()
        // A new token arrives while the request made with "t" is out.
        #expect(p.receiveToken("u", expiresIn: 3600, now: 1 * s) == [.fetchTopTracks(token: "u")])
        #expect(p.receive(.unauthorized, now: 2 * s, unit: 0) == [.fetchNowPlaying(token: "u")])
        #expect(p.token == "u")
    }

    @Test func rateLimitedWaitsForRetryAfter() {
        var p = started()
        #expect(p.receive(.rateLimited(retryAfter: 30), now: 1 * s, unit: 0) == [.wake(at: 31 * s)])
        #expect(p.wake(now: 30 * s) == [.wake(at: 31 * s)])
        #expect(p.wake(now: 31 * s) == [.fetchNowPlaying(token: "t")])
        // Retry-After shorter than the interval: the interval wins.
        #expect(p.receive(.rateLimited(retryAfter: 1), now: 31 * s, unit: 0) == [.wake(at: 36 * s)])
    }

    @Test func failuresBackOffExponentiallyWithJitter() {
        var p = started(interval: 0.5)
        // unit 0 → half the full delay; unit → 1 → the full delay.
        #expect(p.receive(.failed, now: 0, unit: 0) == [.wake(at: 500_000_000)])  // max(0.5·1, interval)
        _ = p.wake(now: 1 * s)
        #expect(p.receive(.failed, now: 1 * s, unit: 0) == [.wake(at: 2 * s)])  // 2·0.5 = 1
        _ = p.wake(now: 2 * s)
        #expect(p.receive(.failed, now: 2 * s, unit: 0.5) == [.wake(at: 5 * s)])  // 4·0.75 = 3
        #expect(p.failures == 3)
        #expect(p.backoff(unit: 0) == 2)  // 4·0.5 (the delay the third failure chose)
        _ = p.wake(now: 5 * s)
        _ = p.receive(.failed, now: 5 * s, unit: 0)
        for i in 0..<20 {
            _ = p.wake(now: UInt64(1000 + i * 61) * s)
            _ = p.receive(.failed, now: UInt64(1000 + i * 61) * s, unit: 0.999)
        }
        #expect(p.backoff(unit: 1) == 60)  // capped
        #expect(p.failures == 24)
        _ = p.wake(now: 3000 * s)
        _ = p.receive(.playback(.nothing), now: 3000 * s, unit: 0)
        #expect(p.failures == 0)
    }

    @Test func stopsWhenTheTokenRunsOut() {
        var p = SpotifyPoller(configuration: .init(interval: 5))
        _ = p.receiveToken("t", expiresIn: 12, now: 0)
        #expect(p.receive(.playback(.nothing), now: 1 * s, unit: 0) == [.publish(.nothing), .wake(at: 6 * s)])
        _ = p.wake(now: 6 * s)
        // The next poll (11 s) would still be in time, the one after not.
        #expect(p.receive(.playback(.nothing), now: 8 * s, unit: 0) == [.wake(at: 12 * s)])
        #expect(p.wake(now: 12 * s) == [.notifyExpired, .cancelWake])
        #expect(p.token == nil)
        #expect(p.phase == .waitingForToken)
    }

    @Test func stopDropsTheTokenAndIgnoresLateAnswers() {
        var p = started()
        #expect(p.stop() == [.cancelWake])
        #expect(p.token == nil)
        #expect(p.receive(.playback(SpotifyPlayback(isPlaying: true, track: track)), now: 1 * s, unit: 0) == [])
        #expect(p.receiveToken("u", expiresIn: 10, now: 2 * s) == [])
        #expect(p.stop() == [])
    }

    @Test func failedTopTracksAreAskedAgainWithTheNextPoll() {
        var p = started()
        p.topTracksFailed()
        #expect(p.receive(.playback(.nothing), now: 1 * s, unit: 0) == [.publish(.nothing), .fetchTopTracks(token: "t"), .wake(at: 6 * s)])
        _ = p.wake(now: 6 * s)
        #expect(p.receive(.playback(.nothing), now: 6 * s, unit: 0) == [.wake(at: 11 * s)])
    }

    @Test func hugeOrZeroExpiryNeverTraps() {
        var p = SpotifyPoller()
        _ = p.receiveToken("t", expiresIn: .infinity, now: 5)
        #expect(p.expiresAt == 5)
        var q = SpotifyPoller()
        _ = q.receiveToken("t", expiresIn: 1e300, now: 5)
        #expect(q.expiresAt == UInt64.max)
    }
}
