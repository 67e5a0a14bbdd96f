import HTTPCore
import Testing

@Suite struct RetryAfterTests {
    @Test func retryAfterIsDeltaSeconds() {
        #expect(RetryAfter.seconds("0") == 0)
        #expect(RetryAfter.seconds("120") == 120)
        #expect(RetryAfter.seconds(" 17 ") == 17)
        #expect(RetryAfter.seconds("-1") == nil)
        #expect(RetryAfter.seconds("1.5") == nil)
        #expect(RetryAfter.seconds("") == nil)
        #expect(RetryAfter.seconds("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
    }
}
