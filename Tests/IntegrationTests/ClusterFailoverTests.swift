import Foundation
import TestSupport
import Testing
import WireJSON

/// The room's node dies (issue 13 step 3, docs/cluster.md#node-failure): the clients it
/// relayed are closed by their own node with 4005, the first reconnect starts the room again on
/// a live node, and a client that resumes there is told what was lost — never a silent loss.
/// A real `redis-server` and two nodes of its own (this suite kills one).
@Suite(.blocking) struct ClusterFailoverTests {
    func awaitLease(_ redis: RedisServerProcess, _ room: String, _ node: String?, within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if redis.get("wavedefect:room:\(room)") == node { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return redis.get("wavedefect:room:\(room)") == node
    }

    @Test func killingTheRoomsNodeRestartsTheRoomOnALiveNodeWithAGapReport() throws {
        let redis = try RedisServerProcess()
        let a = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-a"])
        let b = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-b"])
        let room = ServerProcess.uniqueRoom("failover")

        let host = try TestWebSocket(port: a.port, token: a.token("host", room: room))
        let hostJoined = try host.nextJSON()
        let hostResume = try #require(hostJoined["resume_token"]?.stringValue)
        #expect(awaitLease(redis, room, "node-a", within: 10))
        let guest = try TestWebSocket(port: b.port, token: b.token("guest", room: room))
        let guestJoined = try guest.nextJSON()
        let guestResume = try #require(guestJoined["resume_token"]?.stringValue)
        _ = try host.next(type: "participant_joined")
        try host.send(json: ["type": "publish", "topic": "chat", "payload": "before", "id": 1])
        let lastSeq = try #require(try host.next(type: "ack")["seq"]?.int64Value)
        #expect(try guest.next(type: "data")["seq"]?.int64Value == lastSeq)

        // Node A dies without a word.
        kill(a.process.processIdentifier, SIGKILL)
        let died = Date()
        // Node B notices (its relay peer has no subscriber any more) and closes the guest with
        // 4005, a resumable close: no hang.
        #expect(try guest.expectClose(timeout: 10) == 4005)

        // The guest comes back through node B with its resume token: the room starts again
        // there, and it is told that everything after its last seq is lost.
        let back = try TestWebSocket(port: b.port, token: b.token("guest", room: room), query: "&resume=\(guestResume)&last_seq=\(lastSeq)")
        let rejoined = try back.nextJSON()
        #expect(rejoined["type"] == "joined")
        #expect(rejoined["resumed"] == false)
        let report = try back.nextJSON()
        #expect(report["type"] == "resumed")
        #expect(report["last_seq"]?.int64Value == lastSeq)
        #expect(report["gap"] == true)
        #expect(report["new_participant"] == true)
        #expect(report["replayed"] == 0)
        #expect(Date().timeIntervalSince(died) < 10, "the room was back within 10 s of the death")
        #expect(awaitLease(redis, room, "node-b", within: 6))

        // The host (its socket died with node A) resumes on node B too: the same report, and
        // the two are in one room again.
        let hostBack = try TestWebSocket(port: b.port, token: b.token("host", room: room), query: "&resume=\(hostResume)&last_seq=\(lastSeq)")
        #expect(try hostBack.nextJSON()["type"] == "joined")
        let hostReport = try hostBack.nextJSON()
        #expect(hostReport["type"] == "resumed")
        #expect(hostReport["gap"] == true)
        #expect(try back.next(type: "participant_joined")["participant"]?["identity"] == "host")
        try back.send(json: ["type": "publish", "topic": "chat", "payload": "after", "id": 2])
        #expect(try hostBack.next(type: "data")["payload"] == "after")
        _ = b
    }
}
