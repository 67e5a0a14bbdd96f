import HTTPCore

/// When the server may search YouTube, as a pure value (docs/youtube.md#quota): after an
/// answer that spends nothing useful it stops asking for a while instead of burning the daily
/// quota or hammering a failing upstream.
///
/// - Quota exceeded or key refused: no search for `pauseSeconds` (default an hour; the quota
///   returns at midnight Pacific time, a bad key needs an operator).
/// - Any other failure (5xx, 429, timeout, unreadable answer): no search for
///   `retrySeconds`, doubled per failure in a row, at most `pauseSeconds`.
/// - A success resets the doubling.
///
/// Times are seconds on any clock the caller keeps increasing (the server's monotonic clock).
public struct YouTubeSearchGate: Sendable, Equatable {
    public var pauseSeconds: Double
    public var retrySeconds: Double
    public private(set) var closedUntil: Double = 0
    public private(set) var failuresInARow = 0

    public init(pauseSeconds: Double = 3600, retrySeconds: Double = 30) {
        self.pauseSeconds = pauseSeconds
        self.retrySeconds = retrySeconds
    }

    /// Whether a search may go out at `now`.
    public func isOpen(now: Double) -> Bool { now >= closedUntil }

    public mutating func succeeded() {
        failuresInARow = 0
    }

    /// Records a failed search at `now`; returns when searches may resume.
    @discardableResult
    public mutating func failed(_ error: YouTubeSearchError, now: Double) -> Double {
        failuresInARow += 1
        let wait: Double
        if error.pausesAll {
            wait = pauseSeconds
        } else {
            // The upstream clients' one backoff rule, without its jitter: this pause is the
            // whole server's (one gate), so there is nobody to spread out.
            wait = Backoff(base: retrySeconds, max: pauseSeconds).ceiling(failures: failuresInARow)
        }
        closedUntil = max(closedUntil, now + wait)
        return closedUntil
    }
}
