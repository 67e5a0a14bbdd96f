import Foundation
import TestSupport
import Testing
import WireJSON

/// Twirp's RoomService answers for rooms on any node (docs/cluster.md#cluster-wide-admin): two
/// `wavedefect serve` nodes on one real `redis-server`; every per-room call sent to node B for
/// a room on node A is carried out on node A, and a dead room's node is a quick `unavailable`.
@Suite(.blocking) struct ClusterAdminTests {
    func admin(_ server: ServerProcess, _ method: String, room: String, _ body: String) throws -> (status: Int, json: JSONValue) {
        let token = server.token("admin", room: room) { $0.grant.roomCreate = true; $0.grant.roomAdmin = true; $0.grant.roomList = true }
        let bytes = Array(body.utf8)
        let s = try TestSocket(port: server.port)
        try s.send(Array("POST /twirp/livekit.RoomService/\(method) HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n".utf8) + bytes)
        let r = try s.readResponse().0
        return (r.status, (try? JSONParser.parse(r.bodyText)) ?? .null)
    }

    @Test func everyRoomMethodAnswersFromAnotherNodeAndADeadNodeIsUnavailable() throws {
        let redis = try RedisServerProcess()
        let a = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-a"])
        let b = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-b"])
        let room = ServerProcess.uniqueRoom("admin")
        let alice = try TestWebSocket(port: a.port, token: a.token("alice", room: room))
        _ = try alice.next(type: "joined")
        let deadline = Date().addingTimeInterval(10)
        while redis.get("wavedefect:room:\(room)") != "node-a" && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(redis.get("wavedefect:room:\(room)") == "node-a")

        // Read through node B.
        let listed = try admin(b, "ListParticipants", room: room, #"{"room":"\#(room)"}"#)
        #expect(listed.status == 200, "\(listed.json.serializedString)")
        #expect(listed.json["participants"]?.arrayValue?.compactMap { $0["identity"]?.stringValue } == ["alice"])
        let got = try admin(b, "GetParticipant", room: room, #"{"room":"\#(room)","identity":"alice"}"#)
        #expect(got.status == 200 && got.json["identity"]?.stringValue == "alice")
        // Node A's own errors come back as they are.
        let nobody = try admin(b, "GetParticipant", room: room, #"{"room":"\#(room)","identity":"nobody"}"#)
        #expect(nobody.status == 404 && nobody.json["code"]?.stringValue == "not_found", "\(nobody.json.serializedString)")

        // Changes through node B reach alice on node A.
        #expect(try admin(b, "UpdateParticipant", room: room, #"{"room":"\#(room)","identity":"alice","metadata":"from-b"}"#).status == 200)
        #expect(try alice.next(type: "participant_updated")["participant"]?["metadata"]?.stringValue == "from-b")
        #expect(try admin(b, "SendData", room: room, #"{"room":"\#(room)","data":"aGk=","topic":"news"}"#).status == 200)
        // Bytes from the admin API arrive as a binary publication: topic, then the payload.
        guard case .binary(let frame) = try alice.next() else { Issue.record("no binary publication"); return }
        #expect(frame.starts(with: [4] + Array("news".utf8)) && frame.suffix(2) == Array("hi".utf8), "\(frame)")
        let meta = try admin(b, "UpdateRoomMetadata", room: room, #"{"room":"\#(room)","metadata":"m1"}"#)
        #expect(meta.status == 200 && meta.json["metadata"]?.stringValue == "m1", "\(meta.json.serializedString)")
        #expect(try admin(b, "RemoveParticipant", room: room, #"{"room":"\#(room)","identity":"alice"}"#).status == 200)
        #expect(try alice.expectClose() != nil)
        #expect(try admin(a, "ListParticipants", room: room, #"{"room":"\#(room)"}"#).json["participants"]?.arrayValue?.isEmpty ?? true)
        #expect(try admin(b, "DeleteRoom", room: room, #"{"room":"\#(room)"}"#).status == 200)
        #expect(try admin(a, "ListParticipants", room: room, #"{"room":"\#(room)"}"#).status == 404)
        // A room no node holds is node B's own answer: not found.
        let unknown = ServerProcess.uniqueRoom("nowhere")
        #expect(try admin(b, "ListParticipants", room: unknown, #"{"room":"\#(unknown)"}"#).json["code"]?.stringValue == "not_found")

        // The room's node dies; its lease outlives it for up to 5 s. Node B says so at once.
        let second = ServerProcess.uniqueRoom("orphan")
        #expect(try admin(a, "CreateRoom", room: second, #"{"name":"\#(second)"}"#).status == 200)
        let claimed = Date().addingTimeInterval(10)
        while redis.get("wavedefect:room:\(second)") != "node-a" && Date() < claimed { Thread.sleep(forTimeInterval: 0.05) }
        kill(a.process.processIdentifier, SIGKILL)
        a.process.waitUntilExit()
        let asked = Date()
        let dead = try admin(b, "ListParticipants", room: second, #"{"room":"\#(second)"}"#)
        #expect(Date().timeIntervalSince(asked) < 4, "a dead node must not hang the call")
        #expect(dead.status == 503 && dead.json["code"]?.stringValue == "unavailable", "\(dead.json.serializedString)")
        #expect(dead.json["msg"]?.stringValue?.contains("node-a") == true)
        #expect(b.stop() == 0)
    }

    /// Webhooks are sent by the room's node only, once per event: a call handed from node B
    /// to node A makes node A send the event; node B, configured with the same receiver, sends
    /// nothing for a room it does not run.
    @Test func webhooksAreSentOncePerEventByTheRoomsNode() throws {
        let receiver = try WebhookReceiverProcess()
        let config = "room_defaults:\n  departure_timeout: 0\nwebhooks:\n  urls: [\"\(receiver.url)\"]\n  initial_backoff: 0.1\n"
        let redis = try RedisServerProcess()
        let a = try ServerProcess(config: config, arguments: ["--redis", redis.url, "--node-id", "node-a"])
        let b = try ServerProcess(config: config, arguments: ["--redis", redis.url, "--node-id", "node-b"])
        let room = ServerProcess.uniqueRoom("hooks")
        let alice = try TestWebSocket(port: a.port, token: a.token("alice", room: room))
        _ = try alice.next(type: "joined")
        let deadline = Date().addingTimeInterval(10)
        while redis.get("wavedefect:room:\(room)") != "node-a" && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        // Removed through node B: node A carries it out, so node A sends participant_left and
        // room_finished.
        #expect(try admin(b, "RemoveParticipant", room: room, #"{"room":"\#(room)","identity":"alice"}"#).status == 200)
        let lifecycle = ["room_started", "participant_joined", "participant_left", "room_finished"]
        let records = receiver.waitFor { $0.count >= lifecycle.count }
        #expect(records.map(\.kind) == lifecycle, "\(records)")
        // Nothing more arrives (a second sender would have queued its copy by now).
        let quiet = Date().addingTimeInterval(1.5)
        while receiver.records.count == records.count && Date() < quiet { Thread.sleep(forTimeInterval: 0.05) }
        #expect(receiver.records.map(\.kind) == lifecycle)
        #expect(Set(receiver.records.compactMap { $0.event["id"]?.stringValue }).count == lifecycle.count)
        #expect(a.stop() == 0)
        #expect(b.stop() == 0)
    }
}
