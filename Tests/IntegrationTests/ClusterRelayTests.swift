import Foundation
import TestSupport
import Testing
import WireJSON

/// "Connect anywhere" (docs/cluster.md#connect-anywhere): one real `redis-server` and two
/// `wavedefect serve` nodes for the suite. A client on node B whose room lives on node A is
/// relayed there and behaves as on one node: presence, data in order with the room's `seq`,
/// destinations and subscriptions, resume onto another node, and a slow reader cut off by
/// its own node while the others keep receiving.
@Suite(.blocking) struct ClusterRelayTests {
    /// The suite's servers, started by the first test that asks.
    final class Nodes: @unchecked Sendable {
        let redis: RedisServerProcess
        let a: ServerProcess
        let b: ServerProcess

        init() throws {
            redis = try RedisServerProcess()
            // A small backlog limit, as BackpressureTests uses, so a slow reader is cut off
            // after kilobytes of backlog (on top of the megabytes the kernel's socket buffers
            // take first: a few hundred 8 kB messages). A long idle timeout: the slow reader
            // is silent while those are published one round trip at a time, which on a loaded
            // machine outlasted the default 45 s, and it was closed as idle
            // (`connection_lost`) before its backlog could cut it off as `slow_consumer`.
            let config = """
                limits:
                  max_buffered_bytes: 65536
                  lossy_drop_bytes: 16384
                  close_timeout: 30
                  idle_timeout: 600
                """
            a = try ServerProcess(config: config, arguments: ["--redis", redis.url, "--node-id", "node-a"])
            b = try ServerProcess(config: config, arguments: ["--redis", redis.url, "--node-id", "node-b"])
        }
    }

    static let started = StartedOnce { try Nodes() }

    let nodes: Nodes

    init() throws {
        nodes = try Self.started.get()
    }

    /// `identity` joins `room` through `node` (its `joined` read).
    func join(_ identity: String, room: String, on node: ServerProcess) throws -> TestWebSocket {
        let ws = try TestWebSocket(port: node.port, token: node.token(identity, room: room))
        #expect(try ws.nextJSON()["type"] == "joined")
        return ws
    }

    /// `identity` joins `room` on node A, which then holds the room's lease.
    func host(_ identity: String, room: String) throws -> TestWebSocket {
        let ws = try join(identity, room: room, on: nodes.a)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, nodes.redis.get("wavedefect:room:\(room)") != "node-a" { Thread.sleep(forTimeInterval: 0.02) }
        #expect(nodes.redis.get("wavedefect:room:\(room)") == "node-a")
        return ws
    }

    func publish(_ ws: TestWebSocket, topic: String, _ payload: JSONValue, id: Int, destinations: [String]? = nil) throws -> Int64 {
        var message: JSONValue = ["type": "publish", "topic": .string(topic), "payload": payload, "id": .number(Double(id))]
        if let destinations { message = ["type": "publish", "topic": .string(topic), "payload": payload, "id": .number(Double(id)), "destinations": .array(destinations.map { .string($0) })] }
        try ws.send(json: message)
        let ack = try ws.next(type: "ack")
        #expect(ack["id"]?.int64Value == Int64(id))
        return try #require(ack["seq"]?.int64Value)
    }

    @Test func hostAndGuestOnDifferentNodesSeeEachOtherAndTheDataInOrder() throws {
        let room = ServerProcess.uniqueRoom("relay")
        let host = try host("host", room: room)
        // The guest reaches node B: relayed to node A, where the room lives.
        let guest = try TestWebSocket(port: nodes.b.port, token: nodes.b.token("guest", room: room))
        let joined = try guest.nextJSON()
        #expect(joined["type"] == "joined")
        #expect(joined["participants"]?.arrayValue?.compactMap { $0["identity"]?.stringValue } == ["host"])
        #expect(try host.next(type: "participant_joined")["participant"]?["identity"] == "guest")
        // The node's log is read from its stderr pipe by another thread: wait for the line.
        #expect(nodes.b.logEventually { $0.contains("relaying") && $0.contains("room_node=node-a") })

        // The guest's messages take the room's seq, and arrive at the host in order.
        var seqs: [Int64] = []
        for i in 0..<5 { seqs.append(try publish(guest, topic: "chat", .number(Double(i)), id: i)) }
        #expect(seqs == Array(seqs[0]..<seqs[0] + 5))
        for i in 0..<5 {
            let d = try host.next(type: "data")
            #expect(d["payload"]?.int64Value == Int64(i))
            #expect(d["seq"]?.int64Value == seqs[i])
            #expect(d["from"] == "guest")
        }
        // And the host's reach the guest, after the guest's own.
        let hostSeq = try publish(host, topic: "chat", "hello", id: 100)
        #expect(hostSeq == seqs[4] + 1)
        let d = try guest.next(type: "data")
        #expect(d["payload"] == "hello")
        #expect(d["seq"]?.int64Value == hostSeq)

        // The guest leaves cleanly: the host sees it leave as on one node.
        try guest.close()
        let left = try host.next(type: "participant_left")
        #expect(left["participant"]?["identity"] == "guest")
        #expect(left["reason"] == "client_leave")
    }

    @Test func destinationsAndSubscriptionsHoldForRemoteRecipients() throws {
        let room = ServerProcess.uniqueRoom("relay-dest")
        let host = try host("host", room: room)
        let picky = try join("picky", room: room, on: nodes.b)
        let other = try join("other", room: room, on: nodes.b)
        // `picky` hears only `news`.
        try picky.send(json: ["type": "subscribe", "topics": ["news"], "id": 1])
        #expect(try picky.next(type: "ack")["for"] == "subscribe")

        _ = try publish(host, topic: "chat", "for everyone on chat", id: 1)
        _ = try publish(host, topic: "news", "only for other", id: 2, destinations: ["other"])
        let last = try publish(host, topic: "news", "news for all", id: 3)

        // `other` (everything) gets all three; `picky` only the news addressed to all.
        #expect(try other.next(type: "data")["payload"] == "for everyone on chat")
        #expect(try other.next(type: "data")["payload"] == "only for other")
        #expect(try other.next(type: "data")["payload"] == "news for all")
        let p = try picky.next(type: "data")
        #expect(p["payload"] == "news for all")
        #expect(p["seq"]?.int64Value == last)
    }

    @Test func aClientResumesOnAnotherNodeAndMissesNothing() throws {
        let room = ServerProcess.uniqueRoom("relay-resume")
        let host = try host("host", room: room)
        // The guest joins on node A itself, then drops and comes back through node B.
        let guest = try TestWebSocket(port: nodes.a.port, token: nodes.a.token("guest", room: room))
        let joined = try guest.nextJSON()
        let resumeToken = try #require(joined["resume_token"]?.stringValue)
        _ = try host.next(type: "participant_joined")
        let first = try publish(host, topic: "t", 0, id: 0)
        #expect(try guest.next(type: "data")["seq"]?.int64Value == first)
        guest.socket.abort()
        // Messages while the guest is away (acked: they are in the room's replay buffer).
        for i in 1...5 { _ = try publish(host, topic: "t", .number(Double(i)), id: i) }

        let back = try TestWebSocket(port: nodes.b.port, token: nodes.b.token("guest", room: room), query: "&resume=\(resumeToken)&last_seq=\(first)")
        let rejoined = try back.nextJSON()
        #expect(rejoined["type"] == "joined")
        #expect(rejoined["resumed"] == true)
        let resumed = try back.nextJSON()
        #expect(resumed["type"] == "resumed")
        #expect(resumed["replayed"] == 5)
        #expect(resumed["gap"] == false)
        for i in 1...5 { #expect(try back.next(type: "data")["payload"]?.int64Value == Int64(i)) }
        // Live traffic continues through the relay, and nobody saw the guest leave.
        _ = try publish(host, topic: "t", 99, id: 99)
        #expect(try back.next(type: "data")["payload"] == 99)
        try host.send(text: #"{"type":"ping","id":"h"}"#)
        while true {
            let next = try host.nextJSON()
            #expect(next["type"] != "participant_left")
            if next["type"] == "pong" { break }
        }

        // And back again from node B to node A: the relayed connection is replaced.
        let last = try publish(host, topic: "t", 100, id: 100)
        #expect(try back.next(type: "data")["seq"]?.int64Value == last)
        back.socket.abort()
        _ = try publish(host, topic: "t", 101, id: 101)
        let again = try TestWebSocket(port: nodes.a.port, token: nodes.a.token("guest", room: room), query: "&resume=\(resumeToken)&last_seq=\(last)")
        #expect(try again.nextJSON()["resumed"] == true)
        #expect(try again.next(type: "resumed")["replayed"] == 1)
        #expect(try again.next(type: "data")["payload"] == 101)
    }

    @Test func aSlowReaderOnNodeBIsCutOffByNodeBWhileTheOthersKeepReceiving() throws {
        let room = ServerProcess.uniqueRoom("relay-slow")
        let publisher = try host("pub", room: room)
        let fastA = try join("fast-a", room: room, on: nodes.a)
        let fastB = try join("fast-b", room: room, on: nodes.b)
        let slow = try join("slow", room: room, on: nodes.b)
        _ = try fastA.next(type: "participant_joined")
        _ = try fastA.next(type: "participant_joined")
        _ = try fastB.next(type: "participant_joined")

        let chunk = String(repeating: "z", count: 8000)
        var sawSlowLeave = false
        var sent = 0
        var afterCutOff = 0
        // Publish until the slow reader is cut off, and 30 more: both fast readers (one per
        // node) receive every message in order.
        var receivedA = 0
        var receivedB = 0
        func drain(_ ws: TestWebSocket, _ received: inout Int) throws {
            while received < sent {
                let v = try ws.nextJSON()
                if v["type"] == "data" {
                    #expect(v["payload"]?["n"]?.int64Value == Int64(received))
                    received += 1
                } else if v["type"] == "participant_left", v["participant"]?["identity"] == "slow" {
                    #expect(v["reason"] == "slow_consumer")
                    sawSlowLeave = true
                }
            }
        }
        while sent < 2500 && afterCutOff < 30 {
            try publisher.send(json: ["type": "publish", "topic": "bulk", "payload": ["n": .number(Double(sent)), "pad": .string(chunk)]])
            sent += 1
            try drain(fastA, &receivedA)
            try drain(fastB, &receivedB)
            if sawSlowLeave { afterCutOff += 1 }
        }
        print("slow reader cut off after \(sent - afterCutOff) messages of 8 kB")
        #expect(sawSlowLeave)
        #expect(afterCutOff == 30, "the fast readers kept up after the cut-off")
        #expect(receivedA == sent && receivedB == sent)
        #expect(try slow.expectClose(timeout: 60) == 4003)
        #expect(nodes.b.logEventually { $0.contains("slow consumer disconnected") && $0.contains("relayed_to=node-a") })
    }
}

/// Encode once per node, counted: a message to three clients relayed through node B leaves
/// node A as one `deliver` (in /metrics), and node B writes it to three sockets. Nodes of its
/// own, so no other test's traffic is counted.
@Suite(.blocking) struct ClusterRelayEncodeOnceTests {
    func counter(_ server: ServerProcess, _ name: String) throws -> Int {
        Int(try #require(try server.metric(name)))
    }

    @Test func aBroadcastLeavesTheRoomsNodeOncePerNode() throws {
        let redis = try RedisServerProcess()
        let a = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-a"])
        let b = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-b"])
        let room = ServerProcess.uniqueRoom("once")
        let host = try TestWebSocket(port: a.port, token: a.token("host", room: room))
        _ = try host.nextJSON()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, redis.get("wavedefect:room:\(room)") != "node-a" { Thread.sleep(forTimeInterval: 0.02) }
        // Hidden listeners: no presence traffic besides the data counted below.
        let guests = try (0..<3).map { i in
            let ws = try TestWebSocket(port: b.port, token: b.token("guest-\(i)", room: room) { $0.grant.hidden = true })
            #expect(try ws.nextJSON()["type"] == "joined")
            return ws
        }
        let deliversBefore = try counter(a, "wavedefect_relay_deliver_messages_total")
        let fannedBefore = try counter(b, "wavedefect_relay_frames_fanned_out_total")
        for i in 0..<10 { try host.send(json: ["type": "publish", "topic": "t", "payload": .number(Double(i))]) }
        for g in guests {
            for i in 0..<10 { #expect(try g.next(type: "data")["payload"]?.int64Value == Int64(i)) }
        }
        #expect(try counter(a, "wavedefect_relay_deliver_messages_total") - deliversBefore == 10, "one deliver per message, not per recipient")
        #expect(try counter(b, "wavedefect_relay_frames_fanned_out_total") - fannedBefore == 30)
    }
}
