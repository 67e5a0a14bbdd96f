import Testing
import WebSocketCore

@Suite struct ConnectionQualityTests {
    let ping: UInt64 = 15_000_000_000
    let ms: UInt64 = 1_000_000

    @Test func thresholdsFollowTheProtocol() {
        func q(_ rtt: UInt64?) -> ConnectionQuality { .from(rttNanoseconds: rtt, silentFor: 0, pingInterval: ping) }
        #expect(q(0) == .excellent)
        #expect(q(100 * ms - 1) == .excellent)
        #expect(q(100 * ms) == .good)
        #expect(q(300 * ms - 1) == .good)
        #expect(q(300 * ms) == .poor)
        #expect(q(5_000 * ms) == .poor)
        #expect(q(nil) == .good, "no RTT yet")
    }

    @Test func silenceBeyondTwoPingIntervalsIsLost() {
        #expect(ConnectionQuality.from(rttNanoseconds: 1 * ms, silentFor: 2 * ping - 1, pingInterval: ping) == .excellent)
        #expect(ConnectionQuality.from(rttNanoseconds: 1 * ms, silentFor: 2 * ping, pingInterval: ping) == .lost)
        #expect(ConnectionQuality.from(rttNanoseconds: 1 * ms, silentFor: 2 * ping + 1, pingInterval: ping) == .lost)
        #expect(ConnectionQuality.from(rttNanoseconds: nil, silentFor: 2 * ping + 1, pingInterval: ping) == .lost)
    }

    @Test func namesAreLiveKits() {
        #expect([ConnectionQuality.excellent, .good, .poor, .lost].map(\.rawValue) == ["excellent", "good", "poor", "lost"])
    }
}
