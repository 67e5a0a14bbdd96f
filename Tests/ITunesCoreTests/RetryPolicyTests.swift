import ITunesCore
import Testing

struct RetryPolicyTests {
    let policy = RetryPolicy(maxRetries: 3, initialBackoff: 2, maxBackoff: 5)

    @Test func transientFailuresBackOffDoublingUpToTheCapAndStopAfterMaxRetries() {
        let timeout = RetryPolicy.Failure.transport(transient: true)
        #expect(policy.delay(after: timeout, failedAttempts: 1) == 2)
        #expect(policy.delay(after: timeout, failedAttempts: 2) == 4)
        #expect(policy.delay(after: timeout, failedAttempts: 3) == 5)
        #expect(policy.delay(after: timeout, failedAttempts: 4) == nil)
        #expect(policy.delay(after: .transport(transient: false), failedAttempts: 1) == nil)
    }

    @Test func serverErrorsAreRetriedClientErrorsAreNot() {
        #expect(policy.delay(after: .status(500, retryAfter: nil), failedAttempts: 1) == 2)
        #expect(policy.delay(after: .status(503, retryAfter: "1"), failedAttempts: 2) == 4)
        #expect(policy.delay(after: .status(404, retryAfter: nil), failedAttempts: 1) == nil)
        #expect(policy.delay(after: .status(403, retryAfter: nil), failedAttempts: 1) == nil)
    }

    @Test func tooManyRequestsWaitsRetryAfterWhenItIsShortEnough() {
        #expect(policy.delay(after: .status(429, retryAfter: "1"), failedAttempts: 1) == 1)
        #expect(policy.delay(after: .status(429, retryAfter: " 5 "), failedAttempts: 1) == 5)
        #expect(policy.delay(after: .status(429, retryAfter: "6"), failedAttempts: 1) == nil, "longer than maxBackoff: give up")
        #expect(policy.delay(after: .status(429, retryAfter: nil), failedAttempts: 1) == 2)
        #expect(policy.delay(after: .status(429, retryAfter: "Wed, 21 Oct 2026 07:28:00 GMT"), failedAttempts: 1) == 2)
        #expect(policy.delay(after: .status(429, retryAfter: "-1"), failedAttempts: 1) == 2)
        #expect(policy.delay(after: .status(429, retryAfter: "1"), failedAttempts: 4) == nil)
    }

    @Test func noRetriesMeansNone() {
        let none = RetryPolicy(maxRetries: 0)
        #expect(none.delay(after: .transport(transient: true), failedAttempts: 1) == nil)
    }
}
