import Foundation
import TestSupport
import Testing
import WireJSON

/// Two `wavedefect serve` nodes on one real `redis-server` (docs/cluster.md): the room's node
/// is reported everywhere, a dead node's lease expires within the lease TTL, and a Redis
/// outage neither stops the rooms nor outlives Redis's return.
@Suite(.blocking) struct ClusterTests {
    func admin(_ server: ServerProcess, _ method: String, _ body: String) throws -> TestHTTPResponse {
        let token = server.token("admin", room: "") { $0.grant.roomCreate = true; $0.grant.roomList = true }
        let bytes = Array(body.utf8)
        let s = try TestSocket(port: server.port)
        try s.send(Array("POST /twirp/livekit.RoomService/\(method) HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n".utf8) + bytes)
        return try s.readResponse().0
    }

    /// `ListRooms` on `server`: room name → node id.
    func roomNodes(_ server: ServerProcess) throws -> [String: String] {
        let r = try admin(server, "ListRooms", "{}")
        #expect(r.status == 200, "\(r.bodyText)")
        var out: [String: String] = [:]
        for room in try JSONParser.parse(r.bodyText)["rooms"]?.arrayValue ?? [] {
            if let name = room["name"]?.stringValue { out[name] = room["node_id"]?.stringValue ?? "(none)" }
        }
        return out
    }

    func health(_ server: ServerProcess) throws -> JSONValue {
        try JSONParser.parse(TestSocket.get(port: server.port, "/healthz").bodyText)
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes.
    @discardableResult
    func eventually(_ timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }

    @Test func roomsArePinnedToTheirNodeAndADeadNodesLeaseExpires() throws {
        let redis = try RedisServerProcess()
        let a = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-a"])
        let b = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-b"])
        let room = ServerProcess.uniqueRoom("pinned")

        let created = try admin(a, "CreateRoom", #"{"name":"\#(room)"}"#)
        #expect(created.status == 200)
        #expect(try JSONParser.parse(created.bodyText)["node_id"]?.stringValue == "node-a")
        #expect(eventually(10) { redis.get("wavedefect:room:\(room)") == "node-a" })
        // Node B lists node A's room, named with node A's id.
        #expect(try eventually(10) { try roomNodes(b)[room] == "node-a" }, "\(b.log.suffix(2000))")
        let healthA = try health(a)
        #expect(healthA["node_id"]?.stringValue == "node-a")
        #expect(healthA["redis"]?.stringValue == "connected")
        #expect(healthA["room_nodes"]?[room]?.stringValue == "node-a")
        #expect(redis.get("wavedefect:node:node-b")?.contains(#""id":"node-b""#) == true)

        // Node A dies without a word: its lease and its room list expire within the lease (5 s).
        kill(a.process.processIdentifier, SIGKILL)
        let killed = Date()
        #expect(eventually(8) { redis.get("wavedefect:room:\(room)") == nil })
        let leaseGone = Date().timeIntervalSince(killed)
        #expect(leaseGone <= 5.5, "lease outlived the node by \(leaseGone) s")
        #expect(try eventually(3) { try roomNodes(b)[room] == nil })

        // The room starts again on node B, which now holds its lease.
        #expect(try admin(b, "CreateRoom", #"{"name":"\#(room)"}"#).status == 200)
        #expect(eventually(5) { redis.get("wavedefect:room:\(room)") == "node-b" })
        #expect(try roomNodes(b)[room] == "node-b")
    }

    @Test func aRedisOutageKeepsRoomsRunningAndTheyAreReclaimedWhenItIsBack() throws {
        let redis = try RedisServerProcess()
        let b = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-b"])
        let room = ServerProcess.uniqueRoom("outage")
        #expect(try admin(b, "CreateRoom", #"{"name":"\#(room)"}"#).status == 200)
        #expect(eventually(10) { redis.get("wavedefect:room:\(room)") == "node-b" })

        redis.stop()
        #expect(eventually(10) { b.log.contains("lost the connection to Redis") })
        #expect(try eventually(10) { try health(b)["redis"]?.stringValue == "unreachable" })
        // The admin API still answers for the node's own rooms.
        #expect(try roomNodes(b)[room] == "node-b")

        // Redis comes back empty: the node registers again and re-claims its room's lease.
        try redis.start()
        let back = Date()
        #expect(eventually(15) { redis.get("wavedefect:room:\(room)") == "node-b" }, "\(b.log.suffix(2000))")
        #expect(Date().timeIntervalSince(back) < 15)
        #expect(eventually(5) { redis.get("wavedefect:node:node-b") != nil })
        // The log is read from the node's stderr pipe by another thread: wait for the line.
        #expect(eventually(5) { b.log.contains("Redis connection restored") })
        #expect(b.stop() == 0)
        // A graceful stop gives the lease and the registration back at once.
        #expect(redis.get("wavedefect:room:\(room)") == nil)
    }

    @Test func withoutRedisNothingChanges() throws {
        let alone = try ServerProcess()
        let h = try health(alone)
        #expect(h["node_id"] == nil)
        #expect(h["room_nodes"] == nil)
        let room = ServerProcess.uniqueRoom("alone")
        let created = try admin(alone, "CreateRoom", #"{"name":"\#(room)"}"#)
        #expect(try JSONParser.parse(created.bodyText)["node_id"] == nil)
        #expect(try roomNodes(alone)[room] == "(none)")
    }

    @Test func aBadRedisURLIsRefusedAtStart() throws {
        #expect(throws: ServerProcess.ServerStartError.self) { try ServerProcess(arguments: ["--redis", "redis://h:99999"]) }
        do {
            _ = try ServerProcess(arguments: ["--redis", "http://h"])
        } catch let error as ServerProcess.ServerStartError {
            #expect(error.log.contains("--redis: must start with redis://"))
        }
    }
}
