import HTTPCore

/// When a failed call to Apple is tried again, as a pure rule (docs/itunes.md#retries).
/// Transient failures — no answer in time, no connection, the per-host queue full, a 5xx, a
/// 429 — are retried up to `maxRetries` times inside the same lookup, after the one backoff
/// rule of the upstream clients (`HTTPCore.Backoff`: `initialBackoff` seconds after the first
/// failure, twice as long after each next one, at most `maxBackoff`, each scaled by a random
/// factor in [0.5, 1] so lookups that failed together do not retry in step); a 429's
/// `Retry-After` (seconds) is honoured, as sent, when it is no longer than
/// `maxBackoff`, and a longer one ends the lookup. Anything else (a 404, a body too large,
/// bytes that are not audio) is not retried: asking again would get the same answer.
public struct RetryPolicy: Sendable, Equatable {
    public var maxRetries = 2
    public var initialBackoff: Double = 2
    public var maxBackoff: Double = 30

    public init(maxRetries: Int = 2, initialBackoff: Double = 2, maxBackoff: Double = 30) {
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// What a call ended with, as far as retrying goes.
    public enum Failure: Sendable, Equatable {
        /// No HTTP answer; `transient` as `HTTPClientError.isTransient` says.
        case transport(transient: Bool)
        /// An HTTP answer with this status (not 200) and its `Retry-After` header.
        case status(Int, retryAfter: String?)
    }

    /// Seconds to wait before attempt `failedAttempts + 1`, or nil to give up.
    /// `failedAttempts` counts the attempts made so far (1 after the first failure); `unit`, a
    /// number in [0, 1], is the jitter (random in production, given in tests).
    public func delay(after failure: Failure, failedAttempts: Int, unit: Double = Double.random(in: 0...1)) -> Double? {
        guard failedAttempts >= 1, failedAttempts <= maxRetries else { return nil }
        let backoff = Backoff(base: initialBackoff, max: maxBackoff).delay(failures: failedAttempts, unit: unit)
        switch failure {
        case .transport(let transient):
            return transient ? backoff : nil
        case .status(let status, let retryAfter):
            if status == 429 {
                guard let retryAfter else { return backoff }
                guard let seconds = RetryAfter.seconds(retryAfter) else { return backoff }
                return seconds <= maxBackoff ? seconds : nil
            }
            return (500...599).contains(status) ? backoff : nil
        }
    }
}
