import HTTPCore
import Testing

/// The per-address limits, value by value: counts, token buckets, Retry-After, the table's
/// size, and what the limits count by.
@Suite struct ClientAddressLimiterTests {
    static let second: UInt64 = 1_000_000_000

    @Test func connectionsAreCountedPerAddressAndGivenBackOnClose() {
        var l = ClientAddressLimiter(limits: .init(connectionsPerAddress: 2))
        #expect(l.open("10.0.0.1", now: 0) == nil)
        #expect(l.open("10.0.0.1", now: 0) == nil)
        #expect(l.open("10.0.0.1", now: 0) == 1)  // the third is refused, Retry-After 1
        #expect(l.open("10.0.0.2", now: 0) == nil)  // another address is unaffected
        l.closed("10.0.0.1", now: 0)
        #expect(l.open("10.0.0.1", now: 0) == nil)
        #expect(l.open("10.0.0.1", now: 0) == 1)
    }

    @Test func aRefusedConnectionIsNotCounted() {
        var l = ClientAddressLimiter(limits: .init(connectionsPerAddress: 1))
        #expect(l.open("a", now: 0) == nil)
        for _ in 0..<5 { #expect(l.open("a", now: 0) == 1) }
        l.closed("a", now: 0)
        #expect(l.trackedAddresses == 0)
        #expect(l.open("a", now: 0) == nil)
    }

    @Test func offLimitsCountNothing() {
        var l = ClientAddressLimiter(limits: .init())
        #expect(l.limits.isOff)
        for _ in 0..<1000 { #expect(l.open("a", now: 0) == nil) }
        #expect(l.request("a", now: 0) == nil)
        #expect(l.trackedAddresses == 0)
    }

    @Test func requestsBurstOneSecondsWorthThenKeepToTheRate() {
        var l = ClientAddressLimiter(limits: .init(requestsPerSecond: 4))
        #expect(l.open("a", now: 0) == nil)
        for _ in 0..<4 { #expect(l.request("a", now: 0) == nil) }
        #expect(l.request("a", now: 0) == 1)
        // A quarter second refills one token.
        #expect(l.request("a", now: Self.second / 4) == nil)
        #expect(l.request("a", now: Self.second / 4) == 1)
        // A long pause refills the bucket to its burst, not beyond.
        let later = 100 * Self.second
        for _ in 0..<4 { #expect(l.request("a", now: later) == nil) }
        #expect(l.request("a", now: later) == 1)
    }

    @Test func retryAfterIsTheWholeSecondsUntilATokenIsBack() {
        var l = ClientAddressLimiter(limits: .init(handshakesPerSecond: 0.1))  // one every 10 s
        #expect(l.open("a", now: 0) == nil)
        #expect(l.handshake("a", now: 0) == nil)
        #expect(l.handshake("a", now: 0) == 10)
        #expect(l.handshake("a", now: 2 * Self.second + 1) == 8)
        #expect(l.handshake("a", now: 10 * Self.second) == nil)
    }

    @Test func handshakesAndRequestsHaveSeparateBuckets() {
        var l = ClientAddressLimiter(limits: .init(handshakesPerSecond: 1, requestsPerSecond: 10))
        #expect(l.open("a", now: 0) == nil)
        #expect(l.handshake("a", now: 0) == nil)
        #expect(l.handshake("a", now: 0) == 1)
        #expect(l.request("a", now: 0) == nil)
    }

    @Test func theRatesOfOneAddressDoNotTouchAnother() {
        var l = ClientAddressLimiter(limits: .init(requestsPerSecond: 1))
        #expect(l.open("a", now: 0) == nil)
        #expect(l.open("b", now: 0) == nil)
        #expect(l.request("a", now: 0) == nil)
        #expect(l.request("a", now: 0) == 1)
        #expect(l.request("b", now: 0) == nil)
    }

    @Test func aReconnectDoesNotResetTheBucket() {
        var l = ClientAddressLimiter(limits: .init(requestsPerSecond: 2))
        #expect(l.open("a", now: 0) == nil)
        #expect(l.request("a", now: 0) == nil)
        #expect(l.request("a", now: 0) == nil)
        l.closed("a", now: 0)
        #expect(l.trackedAddresses == 1)  // kept: its bucket is still empty
        #expect(l.open("a", now: 0) == nil)
        #expect(l.request("a", now: 0) == 1)
    }

    @Test func theSweepForgetsIdleAddressesOnceTheirBucketsAreFull() {
        var l = ClientAddressLimiter(limits: .init(requestsPerSecond: 1))
        for i in 0..<100 {
            #expect(l.open("10.0.0.\(i)", now: 0) == nil)
            #expect(l.request("10.0.0.\(i)", now: 0) == nil)
            l.closed("10.0.0.\(i)", now: 0)
        }
        #expect(l.open("busy", now: 0) == nil)
        #expect(l.trackedAddresses == 101)
        l.sweep(now: Self.second / 2)
        #expect(l.trackedAddresses == 101)  // buckets half full
        l.sweep(now: Self.second)
        #expect(l.trackedAddresses == 1)  // the one still connected stays
    }

    @Test func idleEntriesAreBoundedWhateverTheNumberOfAddresses() {
        var l = ClientAddressLimiter(limits: .init(requestsPerSecond: 1, maxIdleAddresses: 50))
        for i in 0..<10_000 {
            let a = "10.\(i >> 16).\((i >> 8) & 255).\(i & 255)"
            #expect(l.open(a, now: 0) == nil)
            #expect(l.request(a, now: 0) == nil)
            l.closed(a, now: 0)
            #expect(l.trackedAddresses <= 50)
        }
        #expect(l.trackedAddresses == 50)
    }

    @Test func anAddressWithAFullBucketIsForgottenWhenItsLastConnectionCloses() {
        var l = ClientAddressLimiter(limits: .init(connectionsPerAddress: 3, requestsPerSecond: 5))
        #expect(l.open("a", now: 0) == nil)
        l.closed("a", now: 0)
        #expect(l.trackedAddresses == 0)
        l.closed("a", now: 0)  // a stray close changes nothing
        #expect(l.trackedAddresses == 0)
    }

    @Test(arguments: [
        ("127.0.0.2:51234", "127.0.0.2"),
        ("[::1]:8080", "0:0:0:0::/64"),
        ("[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"),
        ("[2001:db8:1:2:bbbb:cccc:dddd:eeee]:443", "2001:db8:1:2::/64"),  // same /64, same count
        ("[2001:0DB8:0:0::5]:1", "2001:db8:0:0::/64"),
        ("[::ffff:192.0.2.7]:80", "192.0.2.7"),
        ("2001:db8::1", "2001:db8:0:0::/64"),  // no port
        ("192.0.2.1", "192.0.2.1"),
    ])
    func addressesAreCountedByIPv4OrIPv6Slash64(peer: String, expected: String) {
        #expect(ClientAddressLimiter.address(ofPeer: peer) == expected)
    }
}
