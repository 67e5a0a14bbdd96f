import AccessToken
import ClusterCore
import Foundation
import TestSupport
import Testing
import WireJSON

/// Agent dispatch across nodes (docs/cluster.md#agent-dispatch-across-nodes): one real
/// `redis-server`, two `wavedefect serve` nodes and real `wavedefect agent worker` processes.
/// A worker registered with node B runs a job for a room on node A (its agent joins through
/// node B and the relay, and answers the room's participants); with workers on both nodes the
/// less loaded one gets the job; a worker that dies has its jobs placed again; a worker
/// reports its status (load, `full`) by itself.
@Suite(.blocking) struct ClusterAgentDispatchTests {
    /// The workers node `node` publishes in Redis (empty when the key is absent).
    func workers(_ redis: RedisServerProcess, _ node: String) -> [WorkerRecord] {
        guard let text = redis.get(ClusterKeys.workers(node)) else { return [] }
        return WorkerRecord.list(json: Array(text.utf8))
    }

    /// Waits (up to 10 s) until node `node`'s published workers satisfy `condition`.
    func workersEventually(_ redis: RedisServerProcess, _ node: String, _ condition: ([WorkerRecord]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if condition(workers(redis, node)) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition(workers(redis, node))
    }

    /// `identity` creates `room` on `server` with a dispatch of `recommender` in its token.
    func createRoom(_ server: ServerProcess, _ identity: String, room: String) throws -> (TestWebSocket, JSONValue) {
        let token = server.token(identity, room: room) { $0.roomAgents = [RoomAgentDispatch(agentName: "recommender")] }
        let ws = try TestWebSocket(port: server.port, token: token)
        return (ws, try ws.next(type: "joined"))
    }

    /// Reads until `agent-recommender` is in the room (in `joined` or announced).
    func waitForAgent(_ ws: TestWebSocket, joined: JSONValue?) throws {
        if joined?["participants"]?.arrayValue?.contains(where: { $0["identity"]?.stringValue == "agent-recommender" }) == true { return }
        while true {
            let m = try ws.next(type: "participant_joined", timeout: 20)
            if m["participant"]?["identity"]?.stringValue == "agent-recommender" { return }
        }
    }

    /// The agent answers `ws`'s participant on `recs` (an error answer too: the catalog is empty).
    func agentAnswers(_ ws: TestWebSocket) throws -> Bool {
        try ws.send(json: ["type": "publish", "topic": "recs.control", "payload": ["seeds": [1]]])
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let m = try ws.next(type: "data", timeout: max(0.01, deadline.timeIntervalSinceNow))
            if m["topic"]?.stringValue == "recs" { return m["from"]?.stringValue == "agent-recommender" }
        }
        return false
    }

    func worker(_ server: ServerProcess, redis: RedisServerProcess, maxJobs: Int) throws -> (AgentProcess, String) {
        let process = try AgentProcess([
            "worker", "--url", "ws://127.0.0.1:\(server.port)", "--agents", "recommender", "--max-jobs", String(maxJobs),
            "--api-key", "devkey", "--api-secret", "secret", "--db", server.databasePath, "--redis", redis.url,
        ])
        #expect(process.waitForLog("worker registered"), "worker log:\n\(process.log)")
        let id = try #require(process.log.firstMatch(of: /worker=(AW_[A-Za-z0-9]+)/)?.1).description
        return (process, id)
    }

    @Test func workersOfEveryNodeTakeJobsForRoomsOnAnyNodeLeastLoadedFirst() throws {
        let redis = try RedisServerProcess()
        let a = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-a"])
        let b = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-b"])

        // A worker's `status` (LiveKit's UpdateWorkerStatus) is what the cluster sees: its
        // load, and `full` keeps it out of every dispatch. (Agent `critic`: no job here uses it.)
        let raw = try TestWebSocket(port: b.port, path: "/agent?access_token=\(b.token("worker") { $0.grant.agent = true })")
        try raw.send(json: ["type": "register", "agents": ["critic"], "max_jobs": 3])
        let rawID = try #require(try raw.next(type: "registered")["worker_id"]?.stringValue)
        #expect(workersEventually(redis, "node-b") { $0 == [WorkerRecord(id: rawID, nodeID: "node-b", agentNames: ["critic"], maxJobs: 3, registeredAt: $0.first?.registeredAt ?? 0)] })
        try raw.send(json: ["type": "status", "status": "full", "load": 0.7])
        #expect(workersEventually(redis, "node-b") { $0.first?.status == "full" && $0.first?.load == 0.7 })
        try raw.send(json: ["type": "status", "status": "busy"])
        #expect(try raw.next(type: "error")["message"]?.stringValue == "status must be available or full")
        try raw.send(json: ["type": "status", "load": 2])
        #expect(try raw.next(type: "error")["message"]?.stringValue == "load must be a number from 0 to 1")
        try raw.send(json: ["type": "status", "status": "available"])
        #expect(workersEventually(redis, "node-b") { $0.first?.status == "available" && $0.first?.load == 0.7 })
        try raw.close()
        #expect(workersEventually(redis, "node-b") { $0.isEmpty })

        // A worker on node B only: node A's room gets it.
        let (w1, w1ID) = try worker(b, redis: redis, maxJobs: 4)
        #expect(workersEventually(redis, "node-b") { $0.map(\.id) == [w1ID] })
        // Node A reads other nodes' workers at every renewal (1.67 s) and says when they change.
        #expect(a.waitForLog("node-b/\(w1ID)", timeout: 10), "node A:\n\(a.log.suffix(3000))")
        let r1 = ServerProcess.uniqueRoom("dispatch")
        let (guest1, joined1) = try createRoom(a, "guest1", room: r1)
        try waitForAgent(guest1, joined: joined1)
        #expect(redis.get(ClusterKeys.roomLease(r1)) == "node-a")
        #expect(w1.waitForLog("room=\(r1)"), "worker 1:\n\(w1.log)")
        #expect(a.waitForLog("agent started on a worker of another node", timeout: 10))
        #expect(!a.log.contains("agent started in-process"))
        // Its messages reach the participant on node A, through node B and the relay.
        #expect(try agentAnswers(guest1))
        #expect(workersEventually(redis, "node-b") { $0.first?.jobCount == 1 })

        // A worker on node A with room for two: idle (load 0), it beats node B's (1 of 4).
        let (w2, w2ID) = try worker(a, redis: redis, maxJobs: 2)
        let r2 = ServerProcess.uniqueRoom("dispatch")
        let (guest2, joined2) = try createRoom(a, "guest2", room: r2)
        try waitForAgent(guest2, joined: joined2)
        #expect(w2.waitForLog("room=\(r2)"), "worker 2:\n\(w2.log)")
        #expect(!w1.log.contains("room=\(r2)"))
        #expect(workersEventually(redis, "node-a") { $0.first?.id == w2ID && $0.first?.jobCount == 1 })
        // Now node A's worker is at 1 of 2 (0.5) and node B's at 1 of 4 (0.25): a room on
        // node A goes to node B's worker, a room on node B too.
        let r3 = ServerProcess.uniqueRoom("dispatch")
        let (guest3, joined3) = try createRoom(a, "guest3", room: r3)
        try waitForAgent(guest3, joined: joined3)
        #expect(w1.waitForLog("room=\(r3)"), "worker 1:\n\(w1.log)")
        #expect(!w2.log.contains("room=\(r3)"))
        #expect(try agentAnswers(guest3))
        #expect(workersEventually(redis, "node-b") { $0.first?.jobCount == 2 })

        // Worker 1 dies: node B tells node A, which places both its jobs again — on node A's
        // worker while it has room (one slot), then in-process — and the rooms keep answering.
        w1.kill()
        try waitForAgent(guest1, joined: nil)
        try waitForAgent(guest3, joined: nil)
        #expect(try agentAnswers(guest1))
        #expect(try agentAnswers(guest3))
        #expect(try a.awaitMetric("wavedefect_agent_jobs_redispatched_total", timeout: 10) { $0 >= 2 } == 2)
        #expect(workersEventually(redis, "node-b") { $0.isEmpty })
        #expect(workersEventually(redis, "node-a") { $0.first?.jobCount == 2 })

        // `agent worker` reports its own status (LiveKit's UpdateWorkerStatus) when a job
        // starts or ends and every --status-interval: at 2 of 2 it says `full` with load 1,
        // which the server never infers by itself (it would list it `available`).
        #expect(workersEventually(redis, "node-a") { $0.first?.status == "full" && $0.first?.load == 1 }, "\(workers(redis, "node-a"))")
        // Its room deleted, the job ends: 1 of 2, available again.
        let admin = a.token("admin", room: "") { $0.grant.roomCreate = true }
        let body = Array(#"{"room":"\#(r2)"}"#.utf8)
        let s = try TestSocket(port: a.port)
        try s.send(Array("POST /twirp/livekit.RoomService/DeleteRoom HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer \(admin)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body)
        #expect(try s.readResponse().0.status == 200)
        #expect(workersEventually(redis, "node-a") { $0.first?.jobCount == 1 && $0.first?.status == "available" && $0.first?.load == 0.5 }, "\(workers(redis, "node-a"))")
        _ = w2
    }
}
