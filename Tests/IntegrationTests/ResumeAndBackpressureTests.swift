import Foundation
import Testing
import WebSocketCore
import WireJSON

/// One server for the suite: `gap` keeps 3 messages for replay and `depart` lets a dropped
/// participant go after 1 s; the first test has an auto-created room of its own.
@Suite(.sharedServer(rooms: [
    "gap.yaml": "name: gap\nreplay_buffer: 3\n",
    "depart.yaml": "name: depart\ndeparture_timeout: 1\n",
]))
struct ResumeTests {
    let server: ServerProcess

    init() throws {
        server = try .shared
    }

    /// Publishes `payloads` on `topic`, each with an id, and waits for every ack: the
    /// messages are then in the room (and its replay buffer).
    func publishAndAwaitAcks(_ ws: TestWebSocket, topic: String, _ payloads: Range<Int>) throws {
        for i in payloads { try ws.send(json: ["type": "publish", "topic": .string(topic), "payload": .number(Double(i)), "id": .number(Double(i))]) }
        for i in payloads { #expect(try ws.next(type: "ack")["id"]?.int64Value == Int64(i)) }
    }

    /// Waits until the server has noticed that `identity`'s connection dropped: `watcher`
    /// asks for metrics until they report it `lost`.
    func awaitLost(_ identity: String, seenBy watcher: TestWebSocket) throws {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            try watcher.send(json: ["type": "metrics", "interval_ms": 60000])
            let metrics = try watcher.next(type: "metrics")
            let entry = metrics["participants"]?.arrayValue?.first { $0["identity"]?.stringValue == identity }
            if entry?["quality"] == "lost" { return }
        }
        Issue.record("the server never noticed that \(identity) dropped")
    }

    @Test func resumeAfterADroppedConnectionMissesNothingAndNobodySeesIt() throws {
        let room = ServerProcess.uniqueRoom()
        let token = server.token("phoenix", room: room)
        let phoenix = try TestWebSocket(port: server.port, token: token)
        let joined = try phoenix.nextJSON()
        let resumeToken = try #require(joined["resume_token"]?.stringValue)
        let sid = joined["participant"]?["sid"]
        let other = try TestWebSocket(port: server.port, token: server.token("other", room: room))
        _ = try other.nextJSON()
        _ = try phoenix.next(type: "participant_joined")

        for i in 0..<10 { try other.send(json: ["type": "publish", "topic": "t", "payload": .number(Double(i))]) }
        var lastSeq: Int64 = 0
        for i in 0..<5 {
            let d = try phoenix.next(type: "data")
            #expect(d["payload"]?.int64Value == Int64(i))
            lastSeq = d["seq"]?.int64Value ?? 0
        }
        // The connection vanishes (RST, no close frame).
        phoenix.socket.abort()
        try awaitLost("phoenix", seenBy: other)
        try publishAndAwaitAcks(other, topic: "t", 10..<20)

        let back = try TestWebSocket(port: server.port, token: token, query: "&resume=\(resumeToken)&last_seq=\(lastSeq)")
        let rejoined = try back.nextJSON()
        #expect(rejoined["type"] == "joined")
        #expect(rejoined["resumed"] == true)
        #expect(rejoined["participant"]?["sid"] == sid)
        let resumed = try back.nextJSON()
        #expect(resumed["type"] == "resumed")
        #expect(resumed["replayed"] == 15)
        #expect(resumed["gap"] == false)
        for i in 5..<20 {
            #expect(try back.next(type: "data")["payload"]?.int64Value == Int64(i))
        }
        // Live traffic continues after the replay.
        try other.send(json: ["type": "publish", "topic": "t", "payload": 99])
        #expect(try back.next(type: "data")["payload"] == 99)
        // The other participant never saw phoenix leave or join again.
        try other.send(text: #"{"type":"ping","id":"o"}"#)
        while true {
            let next = try other.nextJSON()
            #expect(next["type"] != "participant_left" && next["type"] != "participant_joined")
            if next["type"] == "pong" { break }
        }
    }

    @Test func aGapOlderThanTheReplayBufferIsReportedExplicitly() throws {
        let token = server.token("gappy", room: "gap")
        let gappy = try TestWebSocket(port: server.port, token: token)
        let resumeToken = try #require(try gappy.nextJSON()["resume_token"]?.stringValue)
        let other = try TestWebSocket(port: server.port, token: server.token("other", room: "gap"))
        _ = try other.nextJSON()
        gappy.socket.abort()
        try awaitLost("gappy", seenBy: other)
        try publishAndAwaitAcks(other, topic: "news", 0..<8)
        let back = try TestWebSocket(port: server.port, token: token, query: "&resume=\(resumeToken)&last_seq=0")
        #expect(try back.nextJSON()["resumed"] == true)
        let resumed = try back.nextJSON()
        #expect(resumed["gap"] == true)
        #expect(resumed["gap_topics"] == ["news"])
        #expect(resumed["replayed"] == 3)
        for i in 5..<8 { #expect(try back.next(type: "data")["payload"]?.int64Value == Int64(i)) }
    }

    @Test func droppedParticipantLeavesAfterTheDepartureTimeout() throws {
        let watcher = try TestWebSocket(port: server.port, token: server.token("watcher", room: "depart"))
        _ = try watcher.nextJSON()
        let dropper = try TestWebSocket(port: server.port, token: server.token("dropper", room: "depart"))
        _ = try dropper.nextJSON()
        _ = try watcher.next(type: "participant_joined")
        dropper.socket.abort()
        let left = try watcher.next(type: "participant_left", timeout: 5)
        #expect(left["reason"] == "connection_lost")
    }
}

@Suite(.blocking) struct BackpressureTests {
    @Test func aSlowSubscriberIsCutOffWhileTheOthersKeepUp() throws {
        // A long close timeout: the slow reader reads nothing until the 20 MB are through,
        // and must then still find its close frame behind the data (the close timeout has
        // its own test below). The slow reader never sends either: a long idle timeout keeps
        // the 45 s default from closing it as silent (a `connection_lost` leave, 1001) before
        // its backlog is full when the round trips are slow (under the address sanitizer on a
        // loaded machine they took longer than that).
        let server = try ServerProcess(config: """
            limits:
              max_buffered_bytes: 65536
              lossy_drop_bytes: 16384
              close_timeout: 120
              idle_timeout: 3600
            """)
        let publisher = try TestWebSocket(port: server.port, token: server.token("pub"))
        _ = try publisher.nextJSON()
        let fast = try TestWebSocket(port: server.port, token: server.token("fast"))
        _ = try fast.nextJSON()
        let slow = try TestWebSocket(port: server.port, token: server.token("slow"))
        _ = try slow.nextJSON()
        _ = try fast.next(type: "participant_joined")
        let chunk = String(repeating: "z", count: 8000)
        let count = 2500  // 20 MB: far beyond what the kernel buffers of the slow reader absorb
        var received = 0
        var sawSlowLeave = false
        /// Reads the fast subscriber until it has `target` data messages.
        func drainFast(until target: Int) throws {
            while received < target {
                let v = try fast.nextJSON()
                if v["type"] == "data" {
                    #expect(v["payload"]?["n"]?.int64Value == Int64(received))
                    received += 1
                } else if v["type"] == "participant_left" {
                    #expect(v["participant"]?["identity"] == "slow")
                    #expect(v["reason"] == "slow_consumer")
                    sawSlowLeave = true
                }
            }
        }
        // The fast subscriber reads every message as it comes; the slow one reads nothing.
        // Publishing stops soon after the cut-off: the slow client's close timeout runs from
        // there, and on a loaded machine the rest of 2500 lock-step round trips can outlast
        // it (the server then rightly drops the socket before the test reads its close frame).
        var sent = 0
        var afterCutOff = 0
        while sent < count && afterCutOff < 50 {
            try publisher.send(json: ["type": "publish", "topic": "bulk", "payload": ["n": .number(Double(sent)), "pad": .string(chunk)]])
            sent += 1
            try drainFast(until: sent)
            if sawSlowLeave { afterCutOff += 1 }
        }
        if !sawSlowLeave {
            let left = try fast.next(type: "participant_left")
            sawSlowLeave = left["participant"]?["identity"] == "slow" && left["reason"] == "slow_consumer"
        }
        #expect(received == sent)
        #expect(sawSlowLeave)
        #expect(afterCutOff == 50, "the fast subscriber kept up after the cut-off")
        // The slow client finds a 4003 close after the data that made it. It first reads
        // (and decodes) the megabytes the kernel buffered: on a loaded machine that alone can
        // take a while, and only a failing test waits out the full minute.
        #expect(try slow.expectClose(timeout: 60) == 4003)
        let metrics = try TestSocket.get(port: server.port, "/metrics").bodyText
        #expect(metrics.contains("wavedefect_slow_consumers_total 1"))
    }
}

@Suite(.blocking) struct UnreadRepliesTests {
    /// A client that asks (pings with large echoed values) but never reads is cut off like a
    /// slow subscriber — it leaves the room at once, as a slow consumer, which the others
    /// see — and its socket is closed after the close timeout even though it never reads
    /// the close frame either.
    @Test func aClientThatNeverReadsItsAnswersIsCutOffAndClosed() throws {
        let server = try ServerProcess(config: """
            limits:
              max_buffered_bytes: 65536
              lossy_drop_bytes: 16384
              close_timeout: 1
            """)
        let watcher = try TestWebSocket(port: server.port, token: server.token("watcher"))
        _ = try watcher.nextJSON()
        let greedy = try TestWebSocket(port: server.port, token: server.token("greedy"))
        _ = try greedy.nextJSON()
        #expect(try watcher.next(type: "participant_joined")["participant"]?["identity"] == "greedy")
        let big = String(repeating: "9", count: 100_000)
        for i in 0..<300 {
            do {
                try greedy.send(text: #"{"type":"ping","id":\#(i),"t":\#(big)}"#)
            } catch {
                break  // the server closed the socket: fine, that is the point
            }
        }
        // Left on the cut-off itself: had it waited for the socket to close, the departure
        // would be `connection_lost`, and only after the departure timeout.
        let left = try watcher.next(type: "participant_left")
        #expect(left["participant"]?["identity"] == "greedy")
        #expect(left["reason"] == "slow_consumer")
        var connections: Int64 = -1
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let health = try JSONParser.parse(try TestSocket.get(port: server.port, "/healthz").bodyText)
            connections = health["connections"]?.int64Value ?? -1
            if connections == 2 { break }  // only the watcher's and this request's own connections are left
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(connections == 2)
        let metrics = try TestSocket.get(port: server.port, "/metrics").bodyText
        #expect(metrics.contains("wavedefect_slow_consumers_total 1"))
    }
}
