import Foundation
import Testing
import WebSocketCore
import WireJSON

/// Server-wide budgets (issue 12): limits that hold for all connections together, where each
/// connection alone stays within its own limits.
@Suite(.blocking) struct ServerBudgetTests {
    /// Reads a gauge or counter from `/metrics`.
    static func metric(_ name: String, port: Int) throws -> Double? {
        let text = try TestSocket.get(port: port, "/metrics").bodyText
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    /// Polls `/metrics` until `name` satisfies `condition` (the server has read what was sent).
    static func awaitMetric(_ name: String, port: Int, timeout: Double = 20, _ condition: (Double) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let v = try metric(name, port: port), condition(v) { return }
            usleep(20_000)
        }
        Issue.record("\(name) never reached the expected value (last \(String(describing: try metric(name, port: port))))")
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
        let head = Array(#"{"type":"ping","id":7,"pad":""#.utf8)
        let firstFragment = head + [UInt8](repeating: UInt8(ascii: "x"), count: 900_000 - head.count)
        let end = Array(#""}"#.utf8)
        var holders: [TestWebSocket] = []
        for (i, name) in ["a", "b"].enumerated() {
            let ws = try TestWebSocket(port: server.port, token: server.token(name))
            _ = try ws.next(type: "joined")
            try ws.send(.text, firstFragment, fin: false)
            try Self.awaitMetric("wavedefect_partial_message_bytes", port: server.port) { $0 >= Double(900_000 * (i + 1)) }
            holders.append(ws)
        }
        let third = try TestWebSocket(port: server.port, token: server.token("c"))
        _ = try third.next(type: "joined")
        try third.send(.text, firstFragment, fin: false)
        let close = try third.expectCloseFrame(timeout: 30)
        guard case .close(let code, let reason) = close else {
            Issue.record("expected a close frame, got \(close)")
            return
        }
        #expect(code == 1009)
        #expect(reason.contains("unfinished messages"))
        #expect(try Self.metric("wavedefect_partial_message_refusals_total", port: server.port) == 1)
        // The two within the budget were left alone: their messages complete and are answered.
        for ws in holders {
            try ws.send(.continuation, end, fin: true)
            #expect(try ws.next(type: "pong")["id"] == 7)
        }
        try Self.awaitMetric("wavedefect_partial_message_bytes", port: server.port) { $0 == 0 }
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
        let head = Array(#"{"type":"ping","id":7,"pad":""#.utf8)
        let firstFragment = head + [UInt8](repeating: UInt8(ascii: "x"), count: 900_000 - head.count)
        let end = Array(#""}"#.utf8)
        func worker() throws -> TestWebSocket {
            try TestWebSocket(port: server.port, path: "/agent?access_token=\(server.token("worker") { $0.grant.agent = true })")
        }
        func refused(_ ws: TestWebSocket) throws {
            let close = try ws.expectCloseFrame(timeout: 30)
            guard case .close(let code, let reason) = close else {
                Issue.record("expected a close frame, got \(close)")
                return
            }
            #expect(code == 1009)
            #expect(reason.contains("unfinished messages"))
        }
        let holdingWorker = try worker()
        try holdingWorker.send(.text, firstFragment, fin: false)
        try Self.awaitMetric("wavedefect_partial_message_bytes", port: server.port) { $0 >= 900_000 }
        let participant = try TestWebSocket(port: server.port, token: server.token("p"))
        _ = try participant.next(type: "joined")
        try participant.send(.text, firstFragment, fin: false)
        try refused(participant)
        // The worker was left alone: its message completes and is answered.
        try holdingWorker.send(.continuation, end, fin: true)
        #expect(try holdingWorker.next(type: "pong")["type"] == "pong")
        try Self.awaitMetric("wavedefect_partial_message_bytes", port: server.port) { $0 == 0 }

        let holder = try TestWebSocket(port: server.port, token: server.token("q"))
        _ = try holder.next(type: "joined")
        try holder.send(.text, firstFragment, fin: false)
        try Self.awaitMetric("wavedefect_partial_message_bytes", port: server.port) { $0 >= 900_000 }
        let secondWorker = try worker()
        try secondWorker.send(.text, firstFragment, fin: false)
        try refused(secondWorker)
        #expect(try Self.metric("wavedefect_partial_message_refusals_total", port: server.port) == 2)
        try holder.send(.continuation, end, fin: true)
        #expect(try holder.next(type: "pong")["id"] == 7)
        try Self.awaitMetric("wavedefect_partial_message_bytes", port: server.port) { $0 == 0 }
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
        #expect(try Self.metric("wavedefect_output_budget_cutoffs_total", port: server.port) == 3)
        try Self.awaitMetric("wavedefect_queued_output_bytes", port: server.port) { $0 < 2_097_152 }
    }
}
