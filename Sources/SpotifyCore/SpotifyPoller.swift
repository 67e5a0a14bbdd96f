import HTTPCore

/// One participant's Spotify polling, as a pure state machine: it holds the access token
/// and decides when to ask `/v1/me/player/currently-playing`, what a response means and
/// what to publish. It does no I/O and reads no clock: the caller passes monotonic
/// nanoseconds, carries out the returned actions, and feeds each response back.
///
/// Rules (docs/spotify.md#polling):
/// - one request in flight at a time; the next poll `interval` after the answer;
/// - publish only when the track or the play state changes (progress alone does not);
/// - 401: tell the participant, drop the token, wait for a new one;
/// - 429: no request before `Retry-After` (and never sooner than `interval`);
/// - 5xx, timeouts and unreadable bodies: exponential backoff with jitter (`HTTPCore.Backoff`:
///   from `backoffBase` doubling to `maxBackoff`, each delay scaled by a factor in [0.5, 1]);
/// - when `expires_in` runs out: tell the participant, drop the token, stop.
public struct SpotifyPoller: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Seconds between polls (fractional allowed).
        public var interval: Double = 5
        /// Seconds before the first retry after a failure.
        public var backoffBase: Double = 1
        /// Longest wait between retries, in seconds.
        public var maxBackoff: Double = 60

        public init(interval: Double = 5, backoffBase: Double = 1, maxBackoff: Double = 60) {
            self.interval = interval
            self.backoffBase = backoffBase
            self.maxBackoff = maxBackoff
        }
    }

    public enum Action: Sendable, Equatable {
        /// Ask `/v1/me/player/currently-playing` with `token`.
        case fetchNowPlaying(token: String)
        /// Ask `/v1/me/top/tracks` with `token` (once per token the participant sends,
        /// until one succeeds).
        case fetchTopTracks(token: String)
        /// Publish on `now-playing` (the state changed).
        case publish(SpotifyPlayback)
        /// Send the participant `{"type":"spotify_expired"}`.
        case notifyExpired
        /// Call `wake(now:)` at this monotonic instant (replaces any earlier wake-up).
        case wake(at: UInt64)
        /// No wake-up is needed any more.
        case cancelWake
    }

    /// How a `currently-playing` request ended, as the caller read it.
    public enum Outcome: Sendable, Equatable {
        case playback(SpotifyPlayback)
        /// 401: the token is no longer accepted.
        case unauthorized
        /// 429, with `Retry-After` in seconds when the answer carried one.
        case rateLimited(retryAfter: Double?)
        /// 5xx, a timeout, a transport error or a body that could not be read.
        case failed
    }

    public enum Phase: Sendable, Equatable {
        /// No token yet, or it was dropped (401, expiry): waiting for the participant.
        case waitingForToken
        /// Waiting until `nextPoll`.
        case scheduled
        /// A request is out.
        case requesting
        /// `stop()`: the participant left.
        case stopped
    }

    public let configuration: Configuration
    public private(set) var phase: Phase = .waitingForToken
    /// The access token, held only while polling may use it.
    public private(set) var token: String?
    public private(set) var expiresAt: UInt64 = 0
    public private(set) var nextPoll: UInt64 = 0
    /// Failures in a row (for the backoff).
    public private(set) var failures = 0
    /// The last state published (nil before the first).
    public private(set) var published: SpotifyPlayback?
    private var topTracksWanted = false
    /// Bumped per token so a response to a request made with an older token is not
    /// blamed on the new one.
    private var generation = 0
    private var requestGeneration = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// A token from the participant (`{"type":"spotify",…}`): polling starts (or resumes)
    /// now, and top tracks are read once.
    public mutating func receiveToken(_ token: String, expiresIn seconds: Double, now: UInt64) -> [Action] {
        guard phase != .stopped else { return [] }
        self.token = token
        generation += 1
        expiresAt = Self.adding(seconds, to: now)
        topTracksWanted = false
        var actions: [Action] = [.fetchTopTracks(token: token)]
        if phase == .requesting { return actions }  // the answer schedules the next poll
        failures = 0
        actions += startRequest(now: now)
        return actions
    }

    /// The top-tracks request failed for a reason other than a refused token: try again with
    /// the next poll.
    public mutating func topTracksFailed() {
        topTracksWanted = true
    }

    /// The wake-up asked for arrived (or any later time).
    public mutating func wake(now: UInt64) -> [Action] {
        guard phase == .scheduled else { return [] }
        if now >= expiresAt { return expire() }
        guard now >= nextPoll else { return [.wake(at: nextPoll)] }
        return startRequest(now: now)
    }

    /// The answer to the last `fetchNowPlaying`. `unit` is a random number in [0, 1) for
    /// the jitter.
    public mutating func receive(_ outcome: Outcome, now: UInt64, unit: Double = Double.random(in: 0..<1)) -> [Action] {
        guard phase == .requesting else { return [] }
        let stale = requestGeneration != generation
        var actions: [Action] = []
        var delay = configuration.interval
        switch outcome {
        case .playback(let playback):
            failures = 0
            if published.map({ !$0.isSameState(as: playback) }) ?? true {
                published = playback
                actions.append(.publish(playback))
            }
        case .unauthorized:
            if stale {
                // Made with a token the participant has since replaced: ask again at once.
                phase = .scheduled
                return startRequest(now: now)
            }
            token = nil
            phase = .waitingForToken
            return [.notifyExpired, .cancelWake]
        case .rateLimited(let retryAfter):
            failures += 1
            delay = max(retryAfter ?? backoff(unit: unit), configuration.interval)
        case .failed:
            failures += 1
            delay = max(backoff(unit: unit), configuration.interval)
        }
        phase = .scheduled
        nextPoll = Self.adding(delay, to: now)
        if nextPoll >= expiresAt {
            // The token runs out before the next poll: wake then to expire it.
            return actions + [.wake(at: expiresAt)]
        }
        if topTracksWanted, let token {
            topTracksWanted = false
            actions.append(.fetchTopTracks(token: token))
        }
        return actions + [.wake(at: nextPoll)]
    }

    /// The participant left: the token is dropped and nothing more is asked.
    public mutating func stop() -> [Action] {
        guard phase != .stopped else { return [] }
        phase = .stopped
        token = nil
        return [.cancelWake]
    }

    /// Seconds to wait after `failures` failures in a row (`Backoff`: base·2^(failures−1),
    /// capped, scaled by a factor in [0.5, 1] so pollers that failed together do not retry
    /// together).
    public func backoff(unit: Double) -> Double {
        Backoff(base: configuration.backoffBase, max: configuration.maxBackoff).delay(failures: max(failures, 1), unit: unit)
    }

    private mutating func startRequest(now: UInt64) -> [Action] {
        guard let token else { return [] }
        if now >= expiresAt { return expire() }
        phase = .requesting
        requestGeneration = generation
        return [.fetchNowPlaying(token: token)]
    }

    private mutating func expire() -> [Action] {
        token = nil
        phase = .waitingForToken
        return [.notifyExpired, .cancelWake]
    }

    /// `now` plus `seconds`, saturating (a huge or non-finite `expires_in` never traps).
    static func adding(_ seconds: Double, to now: UInt64) -> UInt64 {
        guard seconds.isFinite, seconds > 0 else { return now }
        let ns = seconds * 1e9
        guard ns < Double(UInt64.max - now) else { return UInt64.max }
        return now + UInt64(ns)
    }
}
