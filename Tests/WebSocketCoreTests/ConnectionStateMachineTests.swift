import Testing
@testable import WebSocketCore

@Suite struct ConnectionStateMachineTests {
    let config = WebSocketConnectionStateMachine.Configuration(pingIntervalSeconds: 10, idleTimeoutSeconds: 30, closeTimeoutSeconds: 5)
    let s: UInt64 = 1_000_000_000

    @Test func pingsWhenSilentAndMeasuresRTT() throws {
        var m = WebSocketConnectionStateMachine(configuration: config, now: 0)
        #expect(m.tick(now: 9 * s) == .none)
        guard case .sendPing(let payload) = m.tick(now: 10 * s) else {
            Issue.record("expected a ping")
            return
        }
        #expect(m.tick(now: 11 * s) == .none)  // one ping outstanding per interval
        let rtt = payload.withUnsafeBytes { m.receivedPong($0, now: 10 * s + 2_000_000) }
        #expect(rtt == 2_000_000)
        #expect(([0, 0, 0, 0, 0, 0, 0, 9] as [UInt8]).withUnsafeBytes { m.receivedPong($0, now: 11 * s) } == nil)
    }

    @Test func idleConnectionIsClosedWith1001() {
        var m = WebSocketConnectionStateMachine(configuration: config, now: 0)
        m.receivedFrame(now: 5 * s)
        #expect(m.tick(now: 34 * s) != .sendClose(.goingAway, reason: "idle timeout"))
        #expect(m.tick(now: 35 * s) == .sendClose(.goingAway, reason: "idle timeout"))
        #expect(m.tick(now: 39 * s) == .none)
        #expect(m.tick(now: 40 * s) == .shutdown)
    }

    @Test func peerInitiatedCloseIsEchoed() {
        var m = WebSocketConnectionStateMachine(configuration: config, now: 0)
        #expect(m.receivedClose(.normalClosure) == .replyCloseAndShutdown(.normalClosure))
        #expect(m.state == .closed)
        #expect(m.receivedClose(.normalClosure) == .none)
    }

    @Test func serverInitiatedCloseEndsOnThePeersAnswerOrTimeout() {
        var m = WebSocketConnectionStateMachine(configuration: config, now: 0)
        #expect(m.close(.goingAway, reason: "shutdown", now: 0) == .sendClose(.goingAway, reason: "shutdown"))
        #expect(m.close(.normalClosure, reason: "again", now: 0) == .none)
        #expect(([1] as [UInt8]).withUnsafeBytes { m.receivedPing($0) } == .none)
        #expect(m.receivedClose(.goingAway) == .shutdown)
    }

    @Test func answersPingsWhileOpen() {
        var m = WebSocketConnectionStateMachine(configuration: config, now: 0)
        #expect(([1, 2] as [UInt8]).withUnsafeBytes { m.receivedPing($0) } == .sendPong([1, 2]))
    }
}
