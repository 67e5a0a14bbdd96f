import Foundation
import Testing
import WireJSON

/// Webhooks from a real `wavedefect serve`, received by a Python server that checks each one
/// with LiveKit's own SDK (`livekit.api.WebhookReceiver`: signature, body hash, protobuf
/// parse).
@Suite(.blocking) struct WebhookTests {
    static let lifecycle = ["room_started", "participant_joined", "participant_left", "room_finished"]

    /// Rooms close as soon as they are empty; retries start at 0.1 s.
    func serverConfig(urls: [String], webhooks: [String] = [], limits: [String] = []) -> String {
        var lines = ["room_defaults:", "  departure_timeout: 0", "webhooks:"]
        lines.append("  urls: [" + urls.map { "\"\($0)\"" }.joined(separator: ", ") + "]")
        lines.append("  initial_backoff: 0.1")
        lines += webhooks.map { "  " + $0 }
        if !limits.isEmpty { lines += ["limits:"] + limits.map { "  " + $0 } }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Joins `room` as `identity` and waits for `joined`.
    func join(_ server: ServerProcess, _ identity: String, room: String, configure: (inout TokenSpec) -> Void = { _ in }) throws -> TestWebSocket {
        let ws = try TestWebSocket(port: server.port, token: server.token(identity, room: room, configure: configure))
        #expect(try ws.next(type: "joined")["type"] == "joined")
        return ws
    }

    func leave(_ ws: TestWebSocket) throws {
        try ws.close()
        _ = try ws.expectClose()
    }

    @Test func roomLifecycleArrivesInOrderAndLiveKitAcceptsIt() throws {
        let receiver = try WebhookReceiverProcess()
        let server = try ServerProcess(config: serverConfig(urls: [receiver.url + "?token=query-secret"]))
        let alice = try join(server, "alice", room: "hooked") {
            $0.name = "Alice"
            $0.metadata = "dj"
            $0.attributes = ["mood": "calm"]
        }
        try leave(alice)
        let records = receiver.waitFor { $0.count >= 4 }
        try #require(records.count == 4, "receiver got \(records)\n--- server log ---\n\(server.log.suffix(3000))")
        #expect(records.map(\.kind) == Self.lifecycle)
        for r in records {
            #expect(r.valid, "LiveKit's WebhookReceiver refused it: \(r.json["error"] ?? .null) \(r.json["body"] ?? .null)")
            #expect(r.status == 200)
            #expect(r.json["content_type"] == "application/webhook+json")
            #expect(r.json["bearer_prefix"] == false, "LiveKit sends the bare JWT")
            #expect(r.json["path"] == "/hook?token=query-secret")
            #expect(r.event["room"]?["name"] == "hooked")
            #expect(r.event["id"]?.stringValue?.hasPrefix("EV_") == true)
            #expect(r.event["created_at"]?.stringValue.flatMap { Int64($0) }.map { $0 > 1_600_000_000 } == true)
        }
        #expect(Set(records.compactMap { $0.event["id"]?.stringValue }).count == 4, "ids are unique")
        #expect(Set(records.compactMap { $0.event["room"]?["sid"]?.stringValue }).count == 1, "one room sid throughout")
        let joined = records[1].event["participant"]
        #expect(joined?["identity"] == "alice")
        #expect(joined?["name"] == "Alice")
        #expect(joined?["metadata"] == "dj")
        #expect(joined?["attributes"] == ["mood": "calm"])
        #expect(joined?["state"] == "ACTIVE")
        #expect(joined?["joined_at"]?.stringValue.flatMap { Int64($0) } != nil)
        #expect(joined?["permission"]?["can_subscribe"] == true)
        #expect(records[1].event["room"]?["num_participants"] == 1)
        #expect(records[2].event["participant"]?["identity"] == "alice")
        #expect(records[2].event["participant"]?["state"] == "DISCONNECTED")
        #expect(records[3].event["participant"] == Optional<JSONValue>.none, "room_finished names no participant")
        // The counters agree, and the query string (where receivers put their own tokens)
        // stays out of both the log and /metrics.
        let url = ["url": receiver.url]
        #expect(try server.awaitMetric("wavedefect_webhooks_delivered_total", url) { $0 >= 4 } == 4)
        #expect(try server.metric("wavedefect_webhooks_failed_total", url) == 0)
        #expect(try server.metric("wavedefect_webhooks_retries_total", url) == 0)
        #expect(try server.metric("wavedefect_webhooks_queued", url) == 0)
        #expect(!server.log.contains("query-secret"))
        #expect(!(try TestSocket.get(port: server.port, "/metrics").bodyText.contains("query-secret")))
    }

    @Test func serverErrorsAreRetriedWithBackoff() throws {
        let receiver = try WebhookReceiverProcess(failFirst: 2)
        let server = try ServerProcess(config: serverConfig(urls: [receiver.url]))
        try leave(try join(server, "bob", room: "retried"))
        let records = receiver.waitFor { $0.filter { $0.status == 200 }.count >= 4 }
        try #require(records.count == 6, "receiver got \(records)\n--- server log ---\n\(server.log.suffix(3000))")
        #expect(records.map(\.status) == [500, 500, 200, 200, 200, 200])
        // The same event three times (same id, re-signed), and only then the next ones.
        #expect(records[0..<3].map(\.kind) == ["room_started", "room_started", "room_started"])
        #expect(Set(records[0..<3].compactMap { $0.event["id"]?.stringValue }).count == 1)
        #expect(records.filter { $0.status == 200 }.map(\.kind) == Self.lifecycle)
        #expect(records.allSatisfy { $0.valid })
        let url = ["url": receiver.url]
        #expect(try server.awaitMetric("wavedefect_webhooks_delivered_total", url) { $0 >= 4 } == 4)
        #expect(try server.metric("wavedefect_webhooks_retries_total", url) == 2)
        #expect(try server.metric("wavedefect_webhooks_failed_total", url) == 0)
    }

    @Test func deadReceiversNeitherBlockTheRoomNorOtherURLs() throws {
        let blackhole = try WebhookReceiverProcess(blackhole: true)
        let live = try WebhookReceiverProcess()
        let deadURL = "http://127.0.0.1:\(try unusedPort())/dead"
        let server = try ServerProcess(config: serverConfig(
            urls: [deadURL, blackhole.url, live.url], webhooks: ["timeout: 1", "max_attempts: 3"], limits: ["close_timeout: 1"]
        ))
        let a = try join(server, "a", room: "busy")
        let b = try join(server, "b", room: "busy")
        #expect(try a.next(type: "participant_joined")["participant"]?["identity"] == "b")
        try a.send(json: ["type": "publish", "topic": "chat", "payload": "still here"])
        #expect(try b.next(type: "data")["payload"] == "still here")
        try leave(a)
        #expect(try b.next(type: "participant_left")["participant"]?["identity"] == "a")
        try leave(b)
        let records = live.waitFor { $0.count >= 6 }
        #expect(records.map(\.kind) == ["room_started", "participant_joined", "participant_joined", "participant_left", "participant_left", "room_finished"])
        #expect(records.allSatisfy { $0.valid && $0.status == 200 })
        #expect(try server.awaitMetric("wavedefect_webhooks_delivered_total", ["url": live.url]) { $0 >= 6 } == 6)
        // Every event to the refusing URL is tried max_attempts times, then given up on.
        let dead = ["url": deadURL]
        #expect(try server.awaitMetric("wavedefect_webhooks_failed_total", dead) { $0 >= 6 } == 6)
        #expect(try server.metric("wavedefect_webhooks_retries_total", dead) == 12)
        #expect(try server.metric("wavedefect_webhooks_delivered_total", dead) == 0)
        #expect(try server.metric("wavedefect_webhooks_delivered_total", ["url": blackhole.url]) == 0)
        // Shutdown does not wait on the hanging receiver beyond the close timeout (1 s).
        let stopping = Date()
        #expect(server.stop() == 0)
        #expect(Date().timeIntervalSince(stopping) < 4)
    }

    @Test func clientErrorsAreNotRetried() throws {
        let receiver = try WebhookReceiverProcess(status: 400)
        let server = try ServerProcess(config: serverConfig(urls: [receiver.url]))
        try leave(try join(server, "dan", room: "refused"))
        let records = receiver.waitFor { $0.count >= 4 }
        // One attempt per event, each refused, and the queue moves on.
        #expect(records.map(\.kind) == Self.lifecycle)
        #expect(records.allSatisfy { $0.valid && $0.status == 400 })
        let url = ["url": receiver.url]
        #expect(try server.awaitMetric("wavedefect_webhooks_failed_total", url) { $0 >= 4 } == 4)
        #expect(try server.metric("wavedefect_webhooks_retries_total", url) == 0)
        #expect(try server.metric("wavedefect_webhooks_delivered_total", url) == 0)
    }

    @Test func aFullQueueDropsTheOldestEvents() throws {
        let slow = try WebhookReceiverProcess(delayFirst: 1.5)
        let server = try ServerProcess(config: serverConfig(urls: [slow.url], webhooks: ["max_queue: 1", "timeout: 30"]))
        // room_started is in flight while the receiver holds it; of the events behind it only
        // the newest is kept: participant_left pushes participant_joined out, room_finished
        // pushes participant_left out.
        try leave(try join(server, "eve", room: "overflow"))
        let records = slow.waitFor { $0.count >= 2 }
        #expect(records.map(\.kind) == ["room_started", "room_finished"])
        #expect(records.allSatisfy { $0.valid && $0.status == 200 })
        let url = ["url": slow.url]
        #expect(try server.awaitMetric("wavedefect_webhooks_delivered_total", url) { $0 >= 2 } == 2)
        #expect(try server.metric("wavedefect_webhooks_dropped_total", url) == 2)
        #expect(try server.metric("wavedefect_webhooks_queued", url) == 0)
        #expect(slow.records.count == 2, "nothing else arrived")
    }

    @Test func shutdownFlushesTheLastEvents() throws {
        let receiver = try WebhookReceiverProcess()
        let server = try ServerProcess(config: serverConfig(urls: [receiver.url], limits: ["close_timeout: 1"]))
        let carol = try join(server, "carol", room: "closing")
        _ = receiver.waitFor { $0.count >= 2 }
        #expect(server.stop() == 0)
        #expect(try carol.expectClose() == 1001)
        let records = receiver.waitFor { $0.count >= 4 }
        #expect(records.map(\.kind) == Self.lifecycle)
        #expect(records.allSatisfy { $0.valid })
    }
}

/// A free loopback port with nothing listening on it (bound, then released).
func unusedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let rc = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1 }
    }
    guard rc == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// `python/webhook_receiver.py` in the background, and what it recorded.
final class WebhookReceiverProcess: @unchecked Sendable {
    private let helper: PythonHelperProcess
    /// The receiver's standard input: held open for as long as this object (and this test
    /// process) lives; the receiver exits when it closes.
    private let lifeline = Pipe()

    struct Record: CustomStringConvertible {
        let json: JSONValue
        var valid: Bool { json["valid"] == true }
        var status: Int { json["status"]?.int64Value.map { Int($0) } ?? 0 }
        var event: JSONValue { json["event"] ?? .null }
        var kind: String { event["event"]?.stringValue ?? "?" }
        var description: String { "\(status) \(kind) valid=\(valid)" }
    }

    init(failFirst: Int = 0, status: Int = 200, delayFirst: Double = 0, blackhole: Bool = false) throws {
        // Generous: importing livekit-api takes seconds on a loaded machine, and the suite's
        // tests start their receivers at the same time.
        helper = try PythonHelperProcess(
            script: "webhook_receiver.py", logName: "events.jsonl",
            arguments: ["--fail-first", String(failFirst), "--status", String(status), "--delay-first", String(delayFirst)] + (blackhole ? ["--blackhole"] : []),
            startTimeout: 90, stdin: lifeline)
    }

    var port: Int { helper.port }
    var url: String { "http://127.0.0.1:\(port)/hook" }

    var records: [Record] {
        helper.logLines.compactMap { try? JSONParser.parse(String($0)) }.map(Record.init)
    }

    /// Polls the log until `done` holds (or 30 s pass) and returns what was recorded.
    func waitFor(_ done: ([Record]) -> Bool) -> [Record] {
        let deadline = Date().addingTimeInterval(30)
        var current = records
        while !done(current) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            current = records
        }
        return current
    }
}
