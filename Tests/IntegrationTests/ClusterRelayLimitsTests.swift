import Foundation
import Glibc
import TestSupport
import Testing
import WireJSON

/// The relay's limits and failure modes (docs/cluster.md#connect-anywhere-the-relay), shown
/// with a real `redis-server` and two nodes of the suite's own, since its tests stop Redis or
/// a node: `relay_max_pending_bytes` (an edge whose relay backlog passes it loses its
/// recipients as slow consumers), `relay_join_timeout` (a room's node that does not answer a
/// relayed join: 503), and a Redis outage (relayed clients closed with 4005, resumed once
/// Redis is back). Serialized: each test takes the cluster down in its own way.
@Suite(.blocking, .serialized) struct ClusterRelayLimitsTests {
    final class Nodes: @unchecked Sendable {
        let redis: RedisServerProcess
        let a: ServerProcess
        let b: ServerProcess

        init() throws {
            redis = try RedisServerProcess()
            // The limits at their smallest useful values, so the tests need kilobytes and a
            // second, not megabytes and the 5 s default. The file names Redis (`--redis` would
            // replace the whole section).
            let config = """
                redis:
                  address: 127.0.0.1:\(redis.port)
                  relay_max_pending_bytes: 65536
                  relay_join_timeout: 1
                """
            a = try ServerProcess(config: config, arguments: ["--node-id", "node-a"])
            b = try ServerProcess(config: config, arguments: ["--node-id", "node-b"])
        }
    }

    static let started = StartedOnce { try Nodes() }

    let nodes: Nodes

    init() throws {
        nodes = try Self.started.get()
        try awaitClusterReady()
    }

    /// Both nodes are connected to Redis and subscribed to their relay channels (after a test
    /// that restarted Redis, reconnecting takes up to the 5 s backoff cap).
    func awaitClusterReady() throws {
        let deadline = Date().addingTimeInterval(20)
        func ready() -> Bool {
            guard let reply = nodes.redis.command("PUBSUB NUMSUB wavedefect:relay:node-a wavedefect:relay:node-b") else { return false }
            let counts = String(decoding: reply, as: UTF8.self).split(separator: "\r\n").filter { $0.hasPrefix(":") }
            guard counts == [":1", ":1"] else { return false }
            return [nodes.a, nodes.b].allSatisfy { node in
                (try? TestSocket.get(port: node.port, "/healthz").bodyText.contains(#""redis":"connected""#)) == true
            }
        }
        while !ready() {
            guard Date() < deadline else { throw ClusterNotReady() }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    struct ClusterNotReady: Error {}

    func awaitLease(_ room: String, _ node: String, within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, nodes.redis.get("wavedefect:room:\(room)") != node { Thread.sleep(forTimeInterval: 0.02) }
        return nodes.redis.get("wavedefect:room:\(room)") == node
    }

    /// `identity` joins `room` on node A, which then holds the room's lease.
    func host(_ identity: String, room: String) throws -> TestWebSocket {
        let ws = try TestWebSocket(port: nodes.a.port, token: nodes.a.token(identity, room: room))
        #expect(try ws.nextJSON()["type"] == "joined")
        #expect(awaitLease(room, "node-a", within: 10))
        return ws
    }

    func publish(_ ws: TestWebSocket, _ payload: JSONValue, id: Int) throws -> Int64 {
        try ws.send(json: ["type": "publish", "topic": "t", "payload": payload, "id": .number(Double(id))])
        return try #require(try ws.next(type: "ack")["seq"]?.int64Value)
    }

    @Test func anEdgeWhoseRelayBacklogPassesTheLimitLosesItsRecipientsAsSlowConsumers() throws {
        let room = ServerProcess.uniqueRoom("relay-backlog")
        let host = try host("host", room: room)
        let near = try TestWebSocket(port: nodes.a.port, token: nodes.a.token("near", room: room))
        _ = try near.nextJSON()
        let far = try TestWebSocket(port: nodes.b.port, token: nodes.b.token("far", room: room))
        #expect(try far.nextJSON()["type"] == "joined")
        #expect(try near.next(type: "participant_joined")["participant"]?["identity"] == "far")

        // Redis stops answering: what node A publishes to node B stays in A's backlog for B
        // (published, not answered). Twelve 8 kB messages pass the 64 KiB limit.
        nodes.redis.signal(SIGSTOP)
        var redisStopped = true
        defer { if redisStopped { nodes.redis.signal(SIGCONT) } }
        let pad = String(repeating: "z", count: 8000)
        for i in 0..<12 { _ = try publish(host, ["n": .number(Double(i)), "pad": .string(pad)], id: i) }

        // On node A nothing needs Redis: the local listener gets all twelve, and sees the
        // relayed one leave as a slow consumer once the backlog passed the limit.
        var received = 0
        var farLeft = false
        while received < 12 || !farLeft {
            let v = try near.nextJSON()
            if v["type"] == "data" {
                #expect(v["payload"]?["n"]?.int64Value == Int64(received))
                received += 1
            } else if v["type"] == "participant_left" {
                #expect(v["participant"]?["identity"] == "far")
                #expect(v["reason"] == "slow_consumer")
                farLeft = true
            }
        }
        #expect(nodes.a.logEventually { $0.contains("slow consumer disconnected") && $0.contains("edge_backlog") })

        // Redis answers again: node B writes what was queued before the limit, in order,
        // then closes the client with 4003 and the reason.
        nodes.redis.signal(SIGCONT)
        redisStopped = false
        var farReceived = 0
        closing: while true {
            switch try far.next(timeout: 20) {
            case .text(let text):
                let v = try JSONParser.parse(text)
                guard v["type"] == "data" else { continue }
                #expect(v["payload"]?["n"]?.int64Value == Int64(farReceived))
                farReceived += 1
            case .close(let code, let reason):
                #expect(code == 4003)
                #expect(reason.contains("relay to its node is backed up"))
                break closing
            case .disconnected:
                Issue.record("no close frame")
                break closing
            default: continue
            }
        }
        #expect(farReceived > 0 && farReceived < 12, "the frames before the limit arrived, the rest did not")
    }

    @Test func lossyMessagesPastTheRelayBacklogLimitAreDroppedAndTheListenerStays() throws {
        let room = ServerProcess.uniqueRoom("relay-backlog-lossy")
        let host = try host("host", room: room)
        let far = try TestWebSocket(port: nodes.b.port, token: nodes.b.token("far-lossy", room: room))
        #expect(try far.nextJSON()["type"] == "joined")
        _ = try host.next(type: "participant_joined")

        // The same backlog as above, of lossy messages: past the limit they are dropped for
        // node B's listener, which is not cut off.
        nodes.redis.signal(SIGSTOP)
        var redisStopped = true
        defer { if redisStopped { nodes.redis.signal(SIGCONT) } }
        let pad = String(repeating: "z", count: 8000)
        for i in 0..<12 {
            try host.send(json: ["type": "publish", "topic": "t", "payload": ["n": .number(Double(i)), "pad": .string(pad)], "reliable": false, "id": .number(Double(i))])
            _ = try host.next(type: "ack")
        }
        nodes.redis.signal(SIGCONT)
        redisStopped = false
        // Node B writes the lossy messages that fitted, in order; a second without more means
        // Redis has passed on everything (and answered node A: its backlog is empty again).
        var lossy: [Int64] = []
        while true {
            let frame: TestWebSocket.Received
            do { frame = try far.next(timeout: lossy.isEmpty ? 20 : 1) } catch is TestSocket.Timeout { break }
            guard case .text(let text) = frame else { continue }
            let v = try JSONParser.parse(text)
            guard v["type"] == "data" else { continue }
            lossy.append(try #require(v["payload"]?["n"]?.int64Value))
        }
        #expect(lossy == Array(0..<Int64(lossy.count)), "the lossy messages that fitted arrived in order")
        #expect(lossy.count > 0 && lossy.count < 12, "the ones past the limit were dropped: \(lossy.count) of 12 arrived")
        // The listener is still in the room: a reliable message reaches it.
        let seq = try publish(host, "after", id: 100)
        let after = try far.next(type: "data")
        #expect(after["payload"] == "after" && after["seq"]?.int64Value == seq)
        #expect(!nodes.a.log.split(separator: "\n").contains { $0.contains("slow consumer disconnected") && $0.contains("far-lossy") })
        try host.send(text: #"{"type":"ping","id":"h"}"#)
        while true {
            let next = try host.nextJSON()
            #expect(next["type"] != "participant_left")
            if next["type"] == "pong" { break }
        }
    }

    @Test func aRelayedJoinTheRoomsNodeDoesNotAnswerIs503AfterTheJoinTimeout() throws {
        let room = ServerProcess.uniqueRoom("relay-join-timeout")
        let host = try host("host", room: room)
        // Node A stops (SIGSTOP): its Redis connections stay open, so node B sees a live peer
        // that does not answer.
        let pid = nodes.a.process.processIdentifier
        kill(pid, SIGSTOP)
        var aStopped = true
        defer { if aStopped { kill(pid, SIGCONT) } }
        let asked = Date()
        do {
            _ = try TestWebSocket(port: nodes.b.port, token: nodes.b.token("late", room: room))
            Issue.record("upgraded although the room's node was stopped")
        } catch let refused as TestWebSocket.UpgradeRefused {
            #expect(refused.response.status == 503)
            #expect(refused.response.bodyText.contains("the room's node (node-a) did not answer within 1.0 s"))
        }
        let waited = Date().timeIntervalSince(asked)
        #expect(waited >= 0.9 && waited < 5, "answered after relay_join_timeout (1 s), not at once nor much later: \(waited) s")
        kill(pid, SIGCONT)
        aStopped = false

        // Node A wakes up and reads the stale join past its deadline: it refuses it without
        // admitting it. A client that joins through node B now is relayed as usual and finds
        // the host alone.
        let next = try TestWebSocket(port: nodes.b.port, token: nodes.b.token("next", room: room))
        let joined = try next.nextJSON()
        #expect(joined["type"] == "joined")
        #expect(joined["participants"]?.arrayValue?.compactMap { $0["identity"]?.stringValue } == ["host"])
        try next.send(json: ["type": "publish", "topic": "t", "payload": "hello", "id": 1])
        // What the host saw meanwhile, in order.
        var presence: [String] = []
        while true {
            let v = try host.nextJSON()
            if v["type"] == "data" {
                #expect(v["payload"] == "hello")
                break
            }
            if let type = v["type"]?.stringValue, type.hasPrefix("participant_"), let who = v["participant"]?["identity"]?.stringValue {
                presence.append("\(type) \(who) \(v["reason"]?.stringValue ?? "")")
            }
        }
        // `late` was never in the room: no `participant_joined`/`participant_left` for it.
        #expect(presence == ["participant_joined next "])
        // Node A said why (it read the join before `next`'s, on the same channel).
        let deadline = Date().addingTimeInterval(5)
        func refusedLate() -> Bool {
            nodes.a.log.split(separator: "\n").contains { $0.contains("relayed join past its deadline refused") && $0.contains("identity=late") }
        }
        while !refusedLate() && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(refusedLate(), "\(nodes.a.log.suffix(2000))")
    }

    @Test func redisStoppingClosesRelayedClientsWith4005AndTheyResumeOnceItIsBack() throws {
        let room = ServerProcess.uniqueRoom("relay-outage")
        let host = try host("host", room: room)
        let guest = try TestWebSocket(port: nodes.b.port, token: nodes.b.token("guest", room: room))
        let joined = try guest.nextJSON()
        let resumeToken = try #require(joined["resume_token"]?.stringValue)
        _ = try host.next(type: "participant_joined")
        let first = try publish(host, 0, id: 0)
        #expect(try guest.next(type: "data")["seq"]?.int64Value == first)

        // Redis dies: node B closes its relayed client with the resumable 4005 (and its log
        // names Redis).
        nodes.redis.stop()
        #expect(try guest.expectClose(timeout: 10) == 4005)
        // Node A keeps the room for its local host and holds the guest as suspended: what is
        // published meanwhile waits in the guest's resume buffer.
        for i in 1...3 { _ = try publish(host, .number(Double(i)), id: i) }

        // Redis back, empty: node A re-claims the lease, both nodes subscribe again, and the
        // guest resumes through node B with nothing lost.
        try nodes.redis.start()
        #expect(awaitLease(room, "node-a", within: 15))
        try awaitClusterReady()
        let back = try TestWebSocket(port: nodes.b.port, token: nodes.b.token("guest", room: room), query: "&resume=\(resumeToken)&last_seq=\(first)")
        let rejoined = try back.nextJSON()
        #expect(rejoined["type"] == "joined")
        #expect(rejoined["resumed"] == true)
        let resumed = try back.next(type: "resumed")
        #expect(resumed["replayed"] == 3)
        #expect(resumed["gap"] == false)
        for i in 1...3 { #expect(try back.next(type: "data")["payload"]?.int64Value == Int64(i)) }
        // The host never saw the guest leave.
        try host.send(text: #"{"type":"ping","id":"h"}"#)
        while true {
            let next = try host.nextJSON()
            #expect(next["type"] != "participant_left")
            if next["type"] == "pong" { break }
        }
        #expect(nodes.b.log.contains("Redis"))
    }
}
