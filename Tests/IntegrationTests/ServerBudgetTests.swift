import Foundation
import Testing
import WebSocketCore
import WireJSON

/// Server-wide budgets (issue 12): limits that hold for all connections together, where each
/// connection alone stays within its own limits.
@Suite(.blocking) struct ServerBudgetTests {
    /// The first fragment of a 900 KB text message (a ping, padded) and its end: a
    /// connection that sends only the first holds 900 KB of unfinished message on the server.
    static let unfinishedPing = { () -> (first: [UInt8], end: [UInt8]) in
        let head = Array(#"{"type":"ping","id":7,"pad":""#.utf8)
        return (head + [UInt8](repeating: UInt8(ascii: "x"), count: 900_000 - head.count), Array(#""}"#.utf8))
    }()

    /// `identity` joins and starts a 900 KB message it does not finish (`unfinishedPing`).
    static func joinHoldingAnUnfinishedMessage(_ identity: String, on server: ServerProcess) throws -> TestWebSocket {
        let ws = try TestWebSocket(port: server.port, token: server.token(identity))
        _ = try ws.next(type: "joined")
        try ws.send(.text, unfinishedPing.first, fin: false)
        return ws
    }

    /// Waits until `/metrics` shows `name` satisfying `condition` (the server has read what was sent).
    static func awaitMetric(
        _ server: ServerProcess, _ name: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: (Double) -> Bool
    ) throws {
        let value = try server.awaitMetric(name, until: condition)
        #expect(value.map(condition) == true, "\(name) never reached the expected value (last \(String(describing: value)))",
                sourceLocation: sourceLocation)
    }

    /// The close a connection gets when its unfinished message would pass the server-wide budget.
    static func expectRefusedForTheBudget(_ ws: TestWebSocket, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let close = try ws.expectCloseFrame(timeout: 30)
        guard case .close(let code, let reason) = close else {
            Issue.record("expected a close frame, got \(close)", sourceLocation: sourceLocation)
            return
        }
        #expect(code == 1009, sourceLocation: sourceLocation)
        #expect(reason.contains("unfinished messages"), sourceLocation: sourceLocation)
    }

    /// Three connections each start a 900 KB message and stop: each is within the 1 MiB
    /// message limit, but the server-wide budget (2.5 MB) holds only two of them. The third
    /// is failed with 1009 — read from its socket — and the first two finish their messages
    /// and are answered normally.
    @Test func unfinishedMessagesBeyondTheServerWideBudgetGet1009() throws {
        let server = try ServerProcess(config: """
            limits:
              max_partial_message_bytes: 2500000
            """)
        let end = Self.unfinishedPing.end
        var holders: [TestWebSocket] = []
        for (i, name) in ["a", "b"].enumerated() {
            let ws = try Self.joinHoldingAnUnfinishedMessage(name, on: server)
            try Self.awaitMetric(server, "wavedefect_partial_message_bytes") { $0 >= Double(900_000 * (i + 1)) }
            holders.append(ws)
        }
        let third = try Self.joinHoldingAnUnfinishedMessage("c", on: server)
        try Self.expectRefusedForTheBudget(third)
        #expect(try server.metric("wavedefect_partial_message_refusals_total") == 1)
        // The two within the budget were left alone: their messages complete and are answered.
        for ws in holders {
            try ws.send(.continuation, end, fin: true)
            #expect(try ws.next(type: "pong")["id"] == 7)
        }
        try Self.awaitMetric(server, "wavedefect_partial_message_bytes") { $0 == 0 }
    }

    /// Agent worker connections (`/agent`) count in the same budget (1.5 MB here): a worker's
    /// unfinished 900 KB message leaves no room for a participant's, which gets 1009; then a
    /// participant's leaves no room for a second worker's, which gets 1009 too. What a worker
    /// holds shows in the gauge, and is given back when its message completes.
    @Test func agentWorkersCountInTheServerWidePartialMessageBudget() throws {
        let server = try ServerProcess(config: """
            limits:
              max_partial_message_bytes: 1500000
            """)
        let (firstFragment, end) = Self.unfinishedPing
        func worker() throws -> TestWebSocket {
            try TestWebSocket(port: server.port, path: "/agent?access_token=\(server.token("worker") { $0.grant.agent = true })")
        }
        let holdingWorker = try worker()
        try holdingWorker.send(.text, firstFragment, fin: false)
        try Self.awaitMetric(server, "wavedefect_partial_message_bytes") { $0 >= 900_000 }
        let participant = try Self.joinHoldingAnUnfinishedMessage("p", on: server)
        try Self.expectRefusedForTheBudget(participant)
        // The worker was left alone: its message completes and is answered.
        try holdingWorker.send(.continuation, end, fin: true)
        #expect(try holdingWorker.next(type: "pong")["type"] == "pong")
        try Self.awaitMetric(server, "wavedefect_partial_message_bytes") { $0 == 0 }

        let holder = try Self.joinHoldingAnUnfinishedMessage("q", on: server)
        try Self.awaitMetric(server, "wavedefect_partial_message_bytes") { $0 >= 900_000 }
        let secondWorker = try worker()
        try secondWorker.send(.text, firstFragment, fin: false)
        try Self.expectRefusedForTheBudget(secondWorker)
        #expect(try server.metric("wavedefect_partial_message_refusals_total") == 2)
        try holder.send(.continuation, end, fin: true)
        #expect(try holder.next(type: "pong")["id"] == 7)
        try Self.awaitMetric(server, "wavedefect_partial_message_bytes") { $0 == 0 }
    }

    /// Three participants that never read, each far within its own 64 MiB backlog limit,
    /// are cut off (4003) once everything queued on the server passes the 2 MiB budget,
    /// while a subscriber that reads keeps receiving every message. Their silence must not
    /// end them first: on a loaded machine the test can outlast the default idle timeout.
    @Test func subscribersThatDoNotReadAreCutOffOnceTheServerWideOutputBudgetIsSpent() throws {
        let server = try ServerProcess(config: """
            limits:
              max_queued_output_bytes: 2097152
              max_buffered_bytes: 67108864
              lossy_drop_bytes: 65536
              close_timeout: 120
              ping_interval: 600
              idle_timeout: 1200
            """)
        let room = "crowded"
        let publisher = try TestWebSocket(port: server.port, token: server.token("pub", room: room))
        let joined = try publisher.next(type: "joined")
        #expect(joined["room"]?["max_participants"] == 1000, "rooms created on join have a participant limit by default")
        let reader = try TestWebSocket(port: server.port, token: server.token("reader", room: room))
        _ = try reader.next(type: "joined")
        var sleepers: [TestWebSocket] = []
        for i in 0..<3 {
            let s = try TestWebSocket(port: server.port, token: server.token("sleeper\(i)", room: room))
            _ = try s.next(type: "joined")
            sleepers.append(s)
        }
        let pad = String(repeating: "z", count: 60_000)
        var left: Set<String> = []
        var received = 0
        var sent = 0
        // At most 600 × 60 KB = 36 MB each: well past what the sleepers' kernel buffers
        // absorb (a few MB), and below their own 64 MiB limit.
        while sent < 600 && left.count < 3 {
            try publisher.send(json: ["type": "publish", "topic": "bulk", "payload": ["n": .number(Double(sent)), "pad": .string(pad)]])
            sent += 1
            while received < sent {
                let v = try reader.nextJSON()
                if v["type"] == "data" {
                    #expect(v["payload"]?["n"]?.int64Value == Int64(received))
                    received += 1
                } else if v["type"] == "participant_left", let who = v["participant"]?["identity"]?.stringValue {
                    #expect(v["reason"] == "slow_consumer")
                    left.insert(who)
                }
            }
        }
        #expect(left == ["sleeper0", "sleeper1", "sleeper2"], "after \(sent) messages")
        #expect(received == sent, "the reader missed nothing")
        for s in sleepers {
            let close = try s.expectCloseFrame(timeout: 60)
            #expect(close == .close(4003, "slow consumer: server output budget exhausted"))
        }
        #expect(try server.metric("wavedefect_output_budget_cutoffs_total") == 3)
        try Self.awaitMetric(server, "wavedefect_queued_output_bytes") { $0 < 2_097_152 }
    }
}
