import Foundation
import Testing
import WebSocketCore
import WireJSON

@Suite struct ResumeTests {
    @Test func resumeAfterADroppedConnectionMissesNothingAndNobodySeesIt() throws {
        let server = try ServerProcess()
        let token = server.token("phoenix")
        let phoenix = try TestWebSocket(port: server.port, token: token)
        let joined = try phoenix.nextJSON()
        let resumeToken = try #require(joined["resume_token"]?.stringValue)
        let sid = joined["participant"]?["sid"]
        let other = try TestWebSocket(port: server.port, token: server.token("other"))
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
        Thread.sleep(forTimeInterval: 0.2)
        for i in 10..<20 { try other.send(json: ["type": "publish", "topic": "t", "payload": .number(Double(i))]) }
        Thread.sleep(forTimeInterval: 0.1)

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
        #expect(try other.nextJSON()["type"] == "pong")
    }

    @Test func aGapOlderThanTheReplayBufferIsReportedExplicitly() throws {
        let server = try ServerProcess(rooms: ["lab.yaml": "name: lab\nreplay_buffer: 3\n"])
        let token = server.token("gappy")
        let gappy = try TestWebSocket(port: server.port, token: token)
        let resumeToken = try #require(try gappy.nextJSON()["resume_token"]?.stringValue)
        let other = try TestWebSocket(port: server.port, token: server.token("other"))
        _ = try other.nextJSON()
        gappy.socket.abort()
        Thread.sleep(forTimeInterval: 0.2)
        for i in 0..<8 { try other.send(json: ["type": "publish", "topic": "news", "payload": .number(Double(i))]) }
        Thread.sleep(forTimeInterval: 0.1)
        let back = try TestWebSocket(port: server.port, token: token, query: "&resume=\(resumeToken)&last_seq=0")
        #expect(try back.nextJSON()["resumed"] == true)
        let resumed = try back.nextJSON()
        #expect(resumed["gap"] == true)
        #expect(resumed["gap_topics"] == ["news"])
        #expect(resumed["replayed"] == 3)
        for i in 5..<8 { #expect(try back.next(type: "data")["payload"]?.int64Value == Int64(i)) }
    }

    @Test func droppedParticipantLeavesAfterTheDepartureTimeout() throws {
        let server = try ServerProcess(rooms: ["lab.yaml": "name: lab\ndeparture_timeout: 1\n"])
        let watcher = try TestWebSocket(port: server.port, token: server.token("watcher"))
        _ = try watcher.nextJSON()
        let dropper = try TestWebSocket(port: server.port, token: server.token("dropper"))
        _ = try dropper.nextJSON()
        _ = try watcher.next(type: "participant_joined")
        dropper.socket.abort()
        let left = try watcher.next(type: "participant_left", timeout: 5)
        #expect(left["reason"] == "connection_lost")
    }
}

@Suite struct BackpressureTests {
    @Test func aSlowSubscriberIsCutOffWhileTheOthersKeepUp() throws {
        let server = try ServerProcess(config: """
            limits:
              max_buffered_bytes: 65536
              lossy_drop_bytes: 16384
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
                let v = try fast.nextJSON(timeout: 10)
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
        for i in 0..<count {
            try publisher.send(json: ["type": "publish", "topic": "bulk", "payload": ["n": .number(Double(i)), "pad": .string(chunk)]])
            try drainFast(until: i + 1)
        }
        if !sawSlowLeave {
            let left = try fast.next(type: "participant_left", timeout: 10)
            sawSlowLeave = left["participant"]?["identity"] == "slow" && left["reason"] == "slow_consumer"
        }
        #expect(received == count)
        #expect(sawSlowLeave)
        // The slow client finds a 4003 close after the data that made it.
        #expect(try slow.expectClose(timeout: 20) == 4003)
        let metrics = try TestSocket.get(port: server.port, "/metrics").bodyText
        #expect(metrics.contains("wavedefect_slow_consumers_total 1"))
    }
}

@Suite struct UnreadRepliesTests {
    /// A client that asks (pings with large echoed values) but never reads is cut off like a
    /// slow subscriber, and its socket is closed after the close timeout even though it
    /// never reads the close frame either.
    @Test func aClientThatNeverReadsItsAnswersIsCutOffAndClosed() throws {
        let server = try ServerProcess(config: """
            limits:
              max_buffered_bytes: 65536
              lossy_drop_bytes: 16384
              close_timeout: 1
            """)
        let greedy = try TestWebSocket(port: server.port, token: server.token("greedy"))
        _ = try greedy.nextJSON()
        let big = String(repeating: "9", count: 100_000)
        for i in 0..<300 {
            do {
                try greedy.send(text: #"{"type":"ping","id":\#(i),"t":\#(big)}"#)
            } catch {
                break  // the server closed the socket: fine, that is the point
            }
        }
        var connections: Int64 = -1
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let health = try JSONParser.parse(try TestSocket.get(port: server.port, "/healthz").bodyText)
            connections = health["connections"]?.int64Value ?? -1
            if connections == 1 { break }  // only this request's own connection is left
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(connections == 1)
        let metrics = try TestSocket.get(port: server.port, "/metrics").bodyText
        #expect(metrics.contains("wavedefect_slow_consumers_total 1"))
    }
}
