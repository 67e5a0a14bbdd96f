import Foundation
import Testing
import WebSocketCore
import WireJSON

/// Rooms over real sockets with several clients. One server for the suite; each test has a
/// room of its own (`lab`, with a host and topic policies, is `grantsAndTopicPolicies`'s).
@Suite(.sharedServer(rooms: [
    "lab.yaml": """
        name: lab
        host: hostess
        topics:
          now-playing:
            publishers: ["@host", "@agents"]
          cursor:
            reliable: false
        """,
    "history.yaml": """
        name: history-room
        topics:
          chat:
            history: 2
        """,
]))
struct RoomIntegrationTests {
    let server: ServerProcess
    /// This test's room: tests share the server and run in parallel.
    let room = ServerProcess.uniqueRoom()

    init() throws {
        server = try .shared
    }

    func join(_ identity: String, room: String? = nil, _ configure: (inout TokenSpec) -> Void = { _ in }) throws -> (TestWebSocket, JSONValue) {
        let room = room ?? self.room
        let ws = try TestWebSocket(port: server.port, token: server.token(identity, room: room, configure: configure))
        let joined = try ws.nextJSON()
        #expect(joined["type"] == "joined")
        return (ws, joined)
    }

    func publish(_ ws: TestWebSocket, topic: String, _ payload: JSONValue, extra: [(String, JSONValue)] = []) throws {
        var o = JSONObject([("type", "publish"), ("topic", .string(topic)), ("payload", payload)])
        for (k, v) in extra { o[k] = v }
        try ws.send(json: .object(o))
    }

    /// `history: 2` on `chat`: a late joiner gets the last two chat lines right after `joined`,
    /// marked; live messages are not marked. (The one test using `history-room`.)
    @Test func lateJoinerGetsTheChatHistory() throws {
        let (alice, _) = try join("alice", room: "history-room")
        for n in 1...3 {
            try publish(alice, topic: "chat", ["text": .string("line \(n)")], extra: [("id", .number(Double(n)))])
            #expect(try alice.next(type: "ack")["id"] == .number(Double(n)))
        }
        let (bob, joined) = try join("bob", room: "history-room")
        let seq = try #require(joined["seq"]?.int64Value)
        let first = try bob.nextJSON(), second = try bob.nextJSON()
        #expect(first["type"] == "data" && first["history"] == true && first["payload"]?["text"] == "line 2" && first["from"] == "alice")
        #expect(second["history"] == true && second["payload"]?["text"] == "line 3" && second["seq"]?.int64Value == seq)
        try publish(alice, topic: "chat", ["text": "live"])
        let live = try bob.next(type: "data")
        #expect(live["payload"]?["text"] == "live" && live["history"] == nil)
    }

    @Test func presenceJoinUpdateLeave() throws {
        let (alice, _) = try join("alice") { $0.grant.canUpdateOwnMetadata = true }
        let (bob, bobJoined) = try join("bob")
        #expect(bobJoined["participants"]?.arrayValue?.map { $0["identity"] } == ["alice"])
        #expect(try alice.next(type: "participant_joined")["participant"]?["identity"] == "bob")
        try alice.send(json: ["type": "update", "metadata": "dj", "attributes": ["mood": "calm", "x": "1"]])
        for ws in [alice, bob] {
            let u = try ws.next(type: "participant_updated")
            #expect(u["participant"]?["metadata"] == "dj")
            #expect(u["participant"]?["attributes"] == ["mood": "calm", "x": "1"])
        }
        try alice.send(json: ["type": "update", "attributes": ["x": ""]])
        #expect(try bob.next(type: "participant_updated")["participant"]?["attributes"] == ["mood": "calm"])
        try bob.send(json: ["type": "update", "metadata": "nope", "id": 3])
        let refused = try bob.next(type: "error")
        #expect(refused["code"] == "forbidden" && refused["id"] == 3)
        try bob.close()
        let left = try alice.next(type: "participant_left")
        #expect(left["participant"]?["identity"] == "bob")
        #expect(left["reason"] == "client_leave")
    }

    @Test func dataGoesToOthersNotTheSender() throws {
        let (a, _) = try join("a")
        let (b, _) = try join("b")
        let (c, _) = try join("c")
        try publish(a, topic: "chat", ["text": "hi"])
        for ws in [b, c] {
            let d = try ws.next(type: "data")
            #expect(d["from"] == "a" && d["topic"] == "chat" && d["payload"] == ["text": "hi"] && d["reliable"] == true)
        }
        try a.send(text: #"{"type":"ping","id":"after"}"#)
        // The sender's next message is the pong, not its own data.
        #expect(try a.next(type: "pong")["id"] == "after")
        _ = try a.expectSilence()
    }

    @Test func destinationsAndSubscriptions() throws {
        let (a, _) = try join("a")
        let (b, _) = try join("b")
        let (c, _) = try join("c")
        try publish(a, topic: "chat", "to-c", extra: [("destinations", ["c"])])
        #expect(try c.next(type: "data")["payload"] == "to-c")
        try c.send(json: ["type": "subscribe", "topics": ["agent.*"], "id": 1])
        #expect(try c.next(type: "ack")["id"] == 1)
        try b.send(json: ["type": "unsubscribe", "topics": ["noise"], "id": 2])
        #expect(try b.next(type: "ack")["id"] == 2)
        try publish(a, topic: "noise", 1)
        try publish(a, topic: "agent.taste", 2)
        try publish(a, topic: "chat", 3)
        // b hears everything but noise, c only agent.*.
        #expect(try b.next(type: "data")["payload"] == 2)
        #expect(try b.next(type: "data")["payload"] == 3)
        #expect(try c.next(type: "data")["payload"] == 2)
        try c.send(text: #"{"type":"ping","id":"end"}"#)
        #expect(try c.next(type: "pong")["id"] == "end")
        #expect(try b.expectSilence() == nil)
    }

    @Test func grantsAndTopicPolicies() throws {
        let (host, _) = try join("hostess", room: "lab")
        let (guest, _) = try join("guest", room: "lab")
        let (mute, _) = try join("mute", room: "lab") { $0.grant.canPublishData = false }
        let (deaf, _) = try join("deaf", room: "lab") { $0.grant.canSubscribe = false }
        try publish(mute, topic: "chat", 1, extra: [("id", "m")])
        let e = try mute.next(type: "error")
        #expect(e["code"] == "forbidden" && e["id"] == "m")
        try publish(guest, topic: "now-playing", ["title": "x"])
        #expect(try guest.next(type: "error")["code"] == "forbidden")
        try publish(host, topic: "now-playing", ["title": "Song"])
        #expect(try guest.next(type: "data")["payload"] == ["title": "Song"])
        try publish(host, topic: "chat", .string(String(repeating: "x", count: 70_000)))
        #expect(try host.next(type: "error")["code"] == "payload_too_large")
        try publish(host, topic: "cursor", ["x": 1])
        let lossy = try guest.next(type: "data")
        #expect(lossy["reliable"] == false)
        // Nothing reached the participant without canSubscribe.
        try deaf.send(text: #"{"type":"ping","id":"d"}"#)
        #expect(try deaf.next(type: "pong")["id"] == "d")
        #expect(try deaf.expectSilence() == nil)
    }

    @Test func duplicateIdentityReplacesTheOldConnection() throws {
        let (watcher, _) = try join("watcher")
        let (first, firstJoined) = try join("dup")
        _ = try watcher.next(type: "participant_joined")
        let (second, secondJoined) = try join("dup")
        #expect(try first.expectClose() == 4000)
        #expect(firstJoined["participant"]?["sid"] != secondJoined["participant"]?["sid"])
        let left = try watcher.next(type: "participant_left")
        #expect(left["reason"] == "duplicate_identity")
        #expect(try watcher.next(type: "participant_joined")["participant"]?["sid"] == secondJoined["participant"]?["sid"])
        try second.send(text: #"{"type":"ping","id":1}"#)
        #expect(try second.next(type: "pong")["id"] == 1)
    }

    @Test func hiddenParticipantsAreNeitherAnnouncedNorListed() throws {
        let (visible, _) = try join("visible")
        let (ghost, ghostJoined) = try join("ghost") { $0.grant.hidden = true }
        #expect(ghostJoined["participants"]?.arrayValue?.count == 1)
        let (late, lateJoined) = try join("late")
        #expect(lateJoined["participants"]?.arrayValue?.map { $0["identity"] } == ["visible"])
        _ = try visible.next(type: "participant_joined")  // late
        try publish(visible, topic: "chat", "boo")
        #expect(try ghost.next(type: "data")["payload"] == "boo")
        _ = try late.next(type: "data")
        try ghost.close()
        try visible.send(text: #"{"type":"ping","id":"v"}"#)
        // No participant_left for the hidden one: the next message is the pong.
        #expect(try visible.nextJSON()["type"] == "pong")
    }

    @Test func fiveThousandReliableMessagesArriveCompleteAndInOrder() throws {
        let (publisher, _) = try join("pub")
        let (subscriber, _) = try join("sub")
        _ = try publisher.next(type: "participant_joined")
        var burst: [UInt8] = []
        for i in 0..<5000 {
            let text = #"{"type":"publish","topic":"seq","payload":{"n":\#(i)}}"#
            burst += WebSocketFrameEncoder.frame(.text, payload: Array(text.utf8), maskKey: UInt32(i + 1))
        }
        try publisher.sendRaw(burst)
        var lastSeq: Int64 = 0
        for i in 0..<5000 {
            let d = try subscriber.next(type: "data", timeout: 10)
            #expect(d["payload"]?["n"]?.int64Value == Int64(i))
            let seq = d["seq"]?.int64Value ?? 0
            #expect(seq > lastSeq)
            lastSeq = seq
        }
    }
}

@Suite(.blocking) struct FlushWindowTests {
    /// With a write-batching window, broadcasts wait for the window but direct answers do not.
    /// The first deferred batch after a quiet spell goes out at once, so the test sends one
    /// broadcast first: the next ones must then wait out the window.
    /// The window is long (3 s) so that "at once" (under half the window) and "waited for
    /// the window" stay apart even when parallel builds load the machine.
    @Test func broadcastsWaitForTheWindowAnswersDoNot() throws {
        let window = 3.0
        let server = try ServerProcess(config: "limits:\n  flush_interval_ms: \(Int(window * 1000))\n")
        let a = try TestWebSocket(port: server.port, token: server.token("a"))
        _ = try a.nextJSON()
        let b = try TestWebSocket(port: server.port, token: server.token("b"))
        _ = try b.nextJSON()
        _ = try a.next(type: "participant_joined", timeout: window * 3)
        try a.send(json: ["type": "publish", "topic": "t", "payload": "opens the window"])
        #expect(try b.next(type: "data", timeout: window * 3)["payload"] == "opens the window")
        let windowOpened = Date()
        for i in 0..<5 { try a.send(json: ["type": "publish", "topic": "t", "payload": .number(Double(i)), "id": .number(Double(i))]) }
        try a.send(text: #"{"type":"ping","id":"now"}"#)
        // Acks and the pong are direct answers: they come at once, inside the window.
        for i in 0..<5 { #expect(try a.next(type: "ack", timeout: window / 2)["id"]?.int64Value == Int64(i)) }
        #expect(try a.next(type: "pong", timeout: window / 2)["id"] == "now")
        #expect(Date().timeIntervalSince(windowOpened) < window / 2)
        // The broadcasts wait for the window to close, then leave together.
        #expect(try b.next(type: "data", timeout: window * 3)["payload"]?.int64Value == 0)
        let waited = Date().timeIntervalSince(windowOpened)
        #expect(waited >= window * 0.8, "the batch left \(waited) s after the previous one, inside a \(window) s window")
        for i in 1..<5 { #expect(try b.next(type: "data", timeout: window / 4)["payload"]?.int64Value == Int64(i)) }
    }
}
