import Dispatch
import Foundation
import TestSupport
import Testing
import WireJSON

/// Twirp `CreateRoom` takes the room's lease the way a join does, before anything is created
/// (docs/cluster.md#rooms-pinned-to-nodes): a `CreateRoom` on node A racing a join on node B
/// for the same new name makes one room, on one node.
extension ClusterRelayTests {
    /// `CreateRoom` for `room` on `server`, answered in JSON.
    func createRoom(_ server: ServerProcess, _ room: String) throws -> (status: Int, json: JSONValue) {
        let token = server.token("admin", room: "") { $0.grant.roomCreate = true }
        let body = Array(#"{"name":"\#(room)"}"#.utf8)
        let s = try TestSocket(port: server.port)
        try s.send(Array("POST /twirp/livekit.RoomService/CreateRoom HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body)
        let r = try s.readResponse().0
        return (r.status, (try? JSONParser.parse(r.bodyText)) ?? .null)
    }

    /// The rooms `server` runs itself (`/healthz` lists each local room with its node).
    func localRooms(_ server: ServerProcess) throws -> Set<String> {
        let health = try JSONParser.parse(TestSocket.get(port: server.port, "/healthz").bodyText)
        return Set(health["room_nodes"]?.objectValue?.keys ?? [])
    }

    @Test func createRoomOnOneNodeRacingAJoinOnAnotherMakesOneRoom() throws {
        let (a, b, redis) = (nodes.a, nodes.b, nodes.redis)
        for round in 0..<6 {
            let room = ServerProcess.uniqueRoom("create-race\(round)")
            let token = b.token("joiner", room: room)
            let created = Locked<(status: Int, json: JSONValue)?>(nil)
            let joiner = Locked<TestWebSocket?>(nil)
            let failures = Locked<[String]>([])
            // Both requests leave at the same instant.
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                do {
                    if i == 0 {
                        let answer = try createRoom(a, room)
                        created.withLock { $0 = answer }
                    } else {
                        let ws = try TestWebSocket(port: b.port, token: token)
                        joiner.withLock { $0 = ws }
                    }
                } catch {
                    failures.withLock { $0.append("\(i == 0 ? "CreateRoom" : "join"): \(error)") }
                }
            }
            #expect(failures.value.isEmpty, "\(failures.value)")
            let answer = try #require(created.value)
            let ws = try #require(joiner.value)
            _ = try ws.next(type: "joined")
            #expect(answer.status == 200, "\(answer.json.serializedString)")

            // One lease, one node running the room, and CreateRoom names that node.
            let holder = try #require(redis.get("wavedefect:room:\(room)"))
            #expect(answer.json["node_id"]?.stringValue == holder, "round \(round)")
            let runners = try [("node-a", a), ("node-b", b)].filter { try localRooms($0.1).contains(room) }.map(\.0)
            #expect(runners == [holder], "round \(round): the room runs on \(runners), leased to \(holder)")
            // Whoever joins through node A finds the joiner from node B: one room.
            let second = try TestWebSocket(port: a.port, token: a.token("second", room: room))
            let joined = try second.next(type: "joined")
            #expect(joined["participants"]?.arrayValue?.compactMap { $0["identity"]?.stringValue } == ["joiner"], "round \(round)")
            #expect(try ws.next(type: "participant_joined")["participant"]?["identity"] == "second", "round \(round)")
            try? ws.close()
            try? second.close()
        }
        #expect(!nodes.a.log.contains("room is leased by another node"))
        #expect(!nodes.b.log.contains("room is leased by another node"))
    }
}
