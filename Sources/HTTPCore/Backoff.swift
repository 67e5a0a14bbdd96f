/// How long to wait before trying an upstream again after failures in a row (5xx, timeouts,
/// no connection): exponential backoff with "equal jitter". The n-th failure in a row waits
/// `base`·2^(n−1), capped at `max`, scaled by a random factor in [0.5, 1] — so clients that
/// failed together (every poller of a Spotify outage, every queued iTunes lookup) spread their
/// retries over half the window instead of retrying in step, yet never retry at once. One
/// rule for every upstream client (docs/architecture.md#outgoing-http); a `Retry-After` the
/// upstream sends (`RetryAfter`) is its callers' business.
public struct Backoff: Sendable, Equatable {
    /// Seconds before the first retry (before jitter).
    public var base: Double
    /// Longest wait, in seconds (before jitter).
    public var max: Double

    public init(base: Double, max: Double) {
        self.base = base
        self.max = max
    }

    /// The wait before jitter after `failures` failures in a row: `base`·2^(failures−1),
    /// at most `max`; 0 for no failure yet (or a negative base).
    public func ceiling(failures: Int) -> Double {
        guard failures >= 1, base > 0 else { return 0 }
        var wait = base
        // Doubling stops at the cap, so a long run of failures cannot overflow.
        for _ in 1..<Swift.min(failures, 64) where wait < max { wait *= 2 }
        return Swift.min(wait, Swift.max(max, 0))
    }

    /// The wait after `failures` failures in a row, with `unit` (a number in [0, 1], clamped)
    /// choosing where in [`ceiling`/2, `ceiling`] it falls.
    public func delay(failures: Int, unit: Double) -> Double {
        let ceiling = ceiling(failures: failures)
        let u = unit.isNaN ? 0 : Swift.min(Swift.max(unit, 0), 1)
        return ceiling * (0.5 + 0.5 * u)
    }

    /// The wait after `failures` failures in a row, jittered by `generator` (the system's in
    /// production, a seeded `SplitMix64` in tests).
    public func delay(failures: Int, using generator: inout some RandomNumberGenerator) -> Double {
        delay(failures: failures, unit: Double.random(in: 0...1, using: &generator))
    }

    /// The wait after `failures` failures in a row, jittered by the system's generator.
    public func delay(failures: Int) -> Double {
        var generator = SystemRandomNumberGenerator()
        return delay(failures: failures, using: &generator)
    }
}
