import ITunesCore
import Testing

struct RetryPolicyTests {
    let policy = RetryPolicy(maxRetries: 3, initialBackoff: 2, maxBackoff: 5)

    @Test func transientFailuresBackOffDoublingUpToTheCapAndStopAfterMaxRetries() {
        let timeout = RetryPolicy.Failure.transport(transient: true)
        #expect(policy.delay(after: timeout, failedAttempts: 1, unit: 1) == 2)
        #expect(policy.delay(after: timeout, failedAttempts: 2, unit: 1) == 4)
        #expect(policy.delay(after: timeout, failedAttempts: 3, unit: 1) == 5)
        #expect(policy.delay(after: timeout, failedAttempts: 4, unit: 1) == nil)
        #expect(policy.delay(after: .transport(transient: false), failedAttempts: 1, unit: 1) == nil)
    }

    @Test func serverErrorsAreRetriedClientErrorsAreNot() {
        #expect(policy.delay(after: .status(500, retryAfter: nil), failedAttempts: 1, unit: 1) == 2)
        #expect(policy.delay(after: .status(503, retryAfter: "1"), failedAttempts: 2, unit: 1) == 4)
        #expect(policy.delay(after: .status(404, retryAfter: nil), failedAttempts: 1, unit: 1) == nil)
        #expect(policy.delay(after: .status(403, retryAfter: nil), failedAttempts: 1, unit: 1) == nil)
    }

    @Test func tooManyRequestsWaitsRetryAfterWhenItIsShortEnough() {
        #expect(policy.delay(after: .status(429, retryAfter: "1"), failedAttempts: 1, unit: 1) == 1)
        #expect(policy.delay(after: .status(429, retryAfter: " 5 "), failedAttempts: 1, unit: 1) == 5)
        #expect(policy.delay(after: .status(429, retryAfter: "6"), failedAttempts: 1, unit: 1) == nil, "longer than maxBackoff: give up")
        #expect(policy.delay(after: .status(429, retryAfter: nil), failedAttempts: 1, unit: 1) == 2)
        #expect(policy.delay(after: .status(429, retryAfter: "Wed, 21 Oct 2026 07:28:00 GMT"), failedAttempts: 1, unit: 1) == 2)
        #expect(policy.delay(after: .status(429, retryAfter: "-1"), failedAttempts: 1, unit: 1) == 2)
        #expect(policy.delay(after: .status(429, retryAfter: "1"), failedAttempts: 4, unit: 1) == nil)
    }

    /// The backoff is `HTTPCore.Backoff`'s: jittered into [half, all] of the doubling ceiling;
    /// a `Retry-After` is waited as sent, never jittered.
    @Test func theBackoffIsJitteredButRetryAfterIsNot() {
        let timeout = RetryPolicy.Failure.transport(transient: true)
        #expect(policy.delay(after: timeout, failedAttempts: 1, unit: 0) == 1)
        #expect(policy.delay(after: timeout, failedAttempts: 2, unit: 0.5) == 3)
        #expect(policy.delay(after: timeout, failedAttempts: 3, unit: 0) == 2.5)
        #expect(policy.delay(after: .status(502, retryAfter: nil), failedAttempts: 2, unit: 0) == 2)
        #expect(policy.delay(after: .status(429, retryAfter: nil), failedAttempts: 1, unit: 0) == 1)
        #expect(policy.delay(after: .status(429, retryAfter: "3"), failedAttempts: 1, unit: 0) == 3)
        // Without a unit, a random one: always inside the window.
        for _ in 0..<50 {
            let d = policy.delay(after: timeout, failedAttempts: 2) ?? -1
            #expect(d >= 2 && d <= 4)
        }
    }

    @Test func noRetriesMeansNone() {
        let none = RetryPolicy(maxRetries: 0)
        #expect(none.delay(after: .transport(transient: true), failedAttempts: 1, unit: 1) == nil)
    }
}
