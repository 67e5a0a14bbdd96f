import Testing
@testable import WebSocketCore

/// Every joined connection carries a state machine: its outstanding ping is a bit and its
/// round trip is kept to the microsecond, so the machine stays at 40 bytes — with them as
/// two optional UInt64s it was 52, which took the session to a 144-byte allocation.
@Suite struct ConnectionStateMachineFootprintTests {
    let config = WebSocketConnectionStateMachine.Configuration(pingIntervalSeconds: 10, idleTimeoutSeconds: 30, closeTimeoutSeconds: 5)
    let s: UInt64 = 1_000_000_000

    @Test func machineFitsFortyBytes() {
        #expect(MemoryLayout<WebSocketConnectionStateMachine>.size <= 40)
    }

    @Test func roundTripIsKeptToTheMicrosecondAndOnlyTheCurrentPingCounts() throws {
        var m = WebSocketConnectionStateMachine(configuration: config, now: 0)
        #expect(m.lastRTT == nil)
        guard case .sendPing(let first) = m.tick(now: 10 * s) else {
            Issue.record("expected a ping")
            return
        }
        // 1.2345 ms: returned exactly, kept (and reported as rtt_ms) to the microsecond.
        #expect(first.withUnsafeBytes { m.receivedPong($0, now: 10 * s + 1_234_500) } == 1_234_500)
        #expect(m.lastRTT == 1_235_000)
        // Answered: the same pong again is not a round trip.
        #expect(first.withUnsafeBytes { m.receivedPong($0, now: 10 * s + 5_000_000) } == nil)
        #expect(m.lastRTT == 1_235_000)
        guard case .sendPing(let second) = m.tick(now: 20 * s) else {
            Issue.record("expected a second ping")
            return
        }
        #expect(second != first, "each ping has its own number")
        // The first ping's pong while the second is outstanding is not its answer.
        #expect(first.withUnsafeBytes { m.receivedPong($0, now: 20 * s + 100) } == nil)
        // A sub-microsecond round trip is still a measured one (never 0, which means none).
        #expect(second.withUnsafeBytes { m.receivedPong($0, now: 20 * s + 300) } == 300)
        #expect(m.lastRTT == 1000)
    }
}
