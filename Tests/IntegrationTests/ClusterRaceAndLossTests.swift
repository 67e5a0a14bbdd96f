import Dispatch
import Foundation
import TestSupport
import Testing
import WireJSON

/// The relay's edge cases that used to be known limits (docs/cluster.md#connect-anywhere):
/// one real `redis-server` and two `wavedefect serve` nodes per test, since one test kills
/// connections another would be relaying through.
@Suite(.blocking) struct ClusterRaceAndLossTests {
    let redis: RedisServerProcess
    let a: ServerProcess
    let b: ServerProcess

    init() throws {
        redis = try RedisServerProcess()
        a = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-a"])
        b = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-b"])
    }

    /// Many clients join one new room name through both nodes at the same instant: the lease
    /// decides before the room exists, so there is one room and everyone sees everyone.
    @Test func joinsToOneNewRoomFiredAtTwoNodesAtOnceMakeOneRoom() throws {
        let perNode = 4
        for round in 0..<4 {
            let room = ServerProcess.uniqueRoom("race\(round)")
            let servers = [a, b]
            let identities = (0..<2 * perNode).map { "p\($0)" }
            // Tokens first, so the connects themselves start together.
            let tokens = identities.enumerated().map { i, id in servers[i % 2].token(id, room: room) }
            let sockets = Locked<[Int: TestWebSocket]>([:])
            let failures = Locked<[String]>([])
            DispatchQueue.concurrentPerform(iterations: identities.count) { i in
                do {
                    let ws = try TestWebSocket(port: servers[i % 2].port, token: tokens[i])
                    sockets.withLock { $0[i] = ws }
                } catch {
                    failures.withLock { $0.append("\(identities[i]): \(error)") }
                }
            }
            #expect(failures.value.isEmpty, "\(failures.value)")
            let all = sockets.value
            try #require(all.count == identities.count)
            // Everyone sees the other seven: in `joined`, or joining after.
            for (i, ws) in all.sorted(by: { $0.key < $1.key }) {
                let joined = try ws.next(type: "joined")
                var seen = Set(joined["participants"]?.arrayValue?.compactMap { $0["identity"]?.stringValue } ?? [])
                let others = Set(identities).subtracting([identities[i]])
                let deadline = Date().addingTimeInterval(10)
                while !others.isSubset(of: seen), Date() < deadline {
                    guard case .text(let text) = try ws.next(timeout: max(0.01, deadline.timeIntervalSinceNow)) else { break }
                    let event = try JSONParser.parse(Array(text.utf8))
                    if event["type"] == "participant_joined", let id = event["participant"]?["identity"]?.stringValue { seen.insert(id) }
                }
                #expect(others.isSubset(of: seen), "round \(round): \(identities[i]) on node \(i % 2 == 0 ? "a" : "b") saw \(seen.sorted())")
            }
            // One lease, and one node runs the room: no conflict was logged.
            let holder = try #require(redis.get("wavedefect:room:\(room)"))
            #expect(holder == "node-a" || holder == "node-b")
            for ws in all.values { try? ws.close() }
        }
        #expect(!a.log.contains("room is leased by another node"))
        #expect(!b.log.contains("room is leased by another node"))
    }

    func publish(_ ws: TestWebSocket, _ payload: Int, id: Int) throws -> Int64 {
        try ws.send(json: ["type": "publish", "topic": "t", "payload": .number(Double(payload)), "id": .number(Double(id))])
        let ack = try ws.next(type: "ack")
        return try #require(ack["seq"]?.int64Value)
    }

    /// The Redis client id of a node's connection, by the name the node gives it.
    func redisClientID(_ name: String) -> String? {
        guard let reply = redis.command("CLIENT LIST") else { return nil }
        // "\r\n" is one Character: split on either form of line end.
        let line = String(decoding: reply, as: UTF8.self).split(whereSeparator: \.isNewline).first { $0.contains(" name=\(name) ") }
        return line?.split(separator: " ").first { $0.hasPrefix("id=") }.map { String($0.dropFirst(3)) }
    }

    /// Waits (up to 10 s) until `node` listens on its relay channel again.
    func waitForSubscription(_ node: String) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let reply = redis.command("PUBSUB NUMSUB wavedefect:relay:\(node)"), String(decoding: reply, as: UTF8.self).contains("relay:\(node)\r\n:1\r\n") { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// The subscription connection of the edge (node B) or of the room's node (node A) is
    /// killed while its command connection stays up: the relayed client is closed with 4005
    /// and its resume replays what was published meanwhile — never a silent loss.
    @Test func aKilledSubscriptionConnectionEndsTheRelayForResume() throws {
        try killSubscriptionAndResume("node-b")
        try killSubscriptionAndResume("node-a")
    }

    func killSubscriptionAndResume(_ killed: String) throws {
        let room = ServerProcess.uniqueRoom("sub-\(killed)")
        let host = try TestWebSocket(port: a.port, token: a.token("host", room: room))
        _ = try host.next(type: "joined")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, redis.get("wavedefect:room:\(room)") != "node-a" { Thread.sleep(forTimeInterval: 0.02) }
        let guest = try TestWebSocket(port: b.port, token: b.token("guest", room: room))
        let joined = try guest.next(type: "joined")
        let resumeToken = try #require(joined["resume_token"]?.stringValue)
        _ = try host.next(type: "participant_joined")
        let first = try publish(host, 0, id: 0)
        #expect(try guest.next(type: "data")["seq"]?.int64Value == first)

        let id = try #require(redisClientID("wavedefect:\(killed):subscriptions"), "the node names its connections: \(redis.command("CLIENT LIST").map { String(decoding: $0, as: UTF8.self) } ?? "-")")
        #expect(redis.command("CLIENT KILL ID \(id)").map { String(decoding: $0, as: UTF8.self) }?.hasPrefix(":1") == true)
        // Published while the relay is down: what used to be lost without a word.
        var seqs: [Int64] = []
        for i in 1...3 { seqs.append(try publish(host, i, id: i)) }

        // The guest is closed with 4005 (resumable); whatever reached it before counts.
        var lastSeen = first
        var closeCode: UInt16?
        let closeDeadline = Date().addingTimeInterval(10)
        while closeCode == nil, Date() < closeDeadline {
            switch try guest.next(timeout: max(0.01, closeDeadline.timeIntervalSinceNow)) {
            case .close(let code, _): closeCode = code ?? 0
            case .text(let text):
                let v = try JSONParser.parse(Array(text.utf8))
                if v["type"] == "data", let seq = v["seq"]?.int64Value { lastSeen = seq }
            default: break
            }
        }
        #expect(closeCode == 4005)
        let server = killed == "node-a" ? a : b
        // The log is read from the node's stderr by another thread: wait for the line.
        let logDeadline = Date().addingTimeInterval(5)
        while Date() < logDeadline, !server.log.contains("lost the Redis subscription connection") { Thread.sleep(forTimeInterval: 0.05) }
        #expect(server.log.contains("lost the Redis subscription connection"))

        // Resume through node B once the killed connection is back: the replay covers the gap.
        #expect(waitForSubscription(killed))
        let back = try TestWebSocket(port: b.port, token: b.token("guest", room: room), query: "&resume=\(resumeToken)&last_seq=\(lastSeen)")
        #expect(try back.next(type: "joined")["resumed"] == true)
        let resumed = try back.next(type: "resumed")
        #expect(resumed["gap"] == false)
        let missed = seqs.filter { $0 > lastSeen }
        #expect(resumed["replayed"]?.int64Value == Int64(missed.count))
        for seq in missed { #expect(try back.next(type: "data")["seq"]?.int64Value == seq) }
        // And the relay carries live traffic again, both ways.
        let live = try publish(host, 99, id: 99)
        #expect(try back.next(type: "data")["seq"]?.int64Value == live)
        _ = try publish(back, 100, id: 100)
        var fromGuest = try host.next(type: "data")
        while fromGuest["from"] != "guest" { fromGuest = try host.next(type: "data") }
        #expect(fromGuest["payload"] == 100)
    }

    /// The next `metrics` message; an `error` instead fails the test.
    func nextMetrics(_ ws: TestWebSocket) throws -> JSONValue {
        while true {
            let v = try ws.nextJSON()
            #expect(v["type"] != "error", "\(v)")
            if v["type"] == "metrics" || v["type"] == "error" { return v }
        }
    }

    /// `metrics` on a relayed connection gets the reply a single node gives: the round trip
    /// and quality the edge measured on the client's socket, the room's figures from the
    /// room's node; and the host's metrics list the relayed guest's round trip too.
    @Test func metricsOnARelayedConnectionAnswerAsOnOneNode() throws {
        let room = ServerProcess.uniqueRoom("metrics")
        let host = try TestWebSocket(port: a.port, token: a.token("host", room: room))
        _ = try host.next(type: "joined")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, redis.get("wavedefect:room:\(room)") != "node-a" { Thread.sleep(forTimeInterval: 0.02) }
        let guest = try TestWebSocket(port: b.port, token: b.token("guest", room: room))
        _ = try guest.next(type: "joined")
        _ = try host.next(type: "participant_joined")
        _ = try publish(host, 1, id: 1)

        try guest.send(json: ["type": "metrics", "enabled": true, "interval_ms": 500, "id": 7])
        try host.send(json: ["type": "metrics", "enabled": true, "interval_ms": 500, "id": 7])
        // Until the edge's first pong is reported the round trip is unknown (null), as on a
        // fresh local socket; it comes within a ping.
        var relayed = try nextMetrics(guest)
        #expect(relayed["type"] == "metrics")
        let until = Date().addingTimeInterval(10)
        while relayed["rtt_ms"]?.doubleValue == nil, Date() < until { relayed = try nextMetrics(guest) }
        let local = try nextMetrics(host)
        #expect(relayed.objectValue?.keys == local.objectValue?.keys, "the same fields in the same order")
        #expect((relayed["rtt_ms"]?.doubleValue ?? -1) > 0)
        #expect(["excellent", "good"].contains(relayed["quality"]?.stringValue ?? ""))
        #expect(relayed["dropped_lossy"] == 0)
        // The room's figures are the room's node's (topic rates are refreshed once per sweep,
        // so a message published just before may not be counted yet, as on one node).
        #expect(relayed["topics"]?.objectValue != nil, "the room's figures, from the room's node")
        let listed = relayed["participants"]?.arrayValue?.compactMap { $0["identity"]?.stringValue }.sorted()
        #expect(listed == ["guest", "host"])
        // The host's view of the guest carries the edge's measurement.
        var guestSeen: JSONValue?
        let hostUntil = Date().addingTimeInterval(10)
        while Date() < hostUntil {
            let m = try nextMetrics(host)
            guestSeen = m["participants"]?.arrayValue?.first { $0["identity"] == "guest" }
            if guestSeen?["rtt_ms"]?.doubleValue != nil { break }
        }
        #expect((guestSeen?["rtt_ms"]?.doubleValue ?? -1) > 0)
        // Stopping works as on one node: the ack, then no more metrics.
        try guest.send(json: ["type": "metrics", "enabled": false, "id": 8])
        var acked = false
        while !acked {
            let v = try guest.nextJSON()
            if v["type"] == "ack", v["id"] == 8 { acked = true }
        }
        let silence = try guest.expectSilence(1.2)
        #expect(silence == nil || silence.map { if case .text(let t) = $0 { !t.contains("\"metrics\"") } else { true } } == true)
    }
}

/// A value several threads of a test write.
final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.withLock { body(&stored) }
    }
}
