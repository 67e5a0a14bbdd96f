import AccessToken
import Foundation
import MusicCatalog
import Testing
import WireJSON

/// Agents over real sockets with the real binary: the demo room's in-process `taste` and
/// `recommender`, the same agents as a headless bot (`agent run`) and as a worker
/// (`agent worker`), and what happens when those processes die. One server with the demo
/// catalog for the suite; serialized, because a registered worker takes every dispatch.
@Suite(.sharedServer(arguments: ["--youtube-api-key", FakeUpstream.youtubeKey], demoCatalog: true, upstream: true), .serialized)
struct AgentIntegrationTests {
    static let demoRoom = "wave-defect-lab"

    /// The suite's server (the repository's rooms, the demo catalog), once the catalog is
    /// built and the demo room's host profile stored.
    func demoServer() throws -> ServerProcess {
        let server = try ServerProcess.shared
        try #require(server.waitForLog("host profile stored", timeout: 300), "the demo catalog and host profile never became ready:\n\(server.log)")
        return server
    }

    func join(_ server: ServerProcess, _ identity: String, room: String, agents: [String] = []) throws -> (TestWebSocket, JSONValue) {
        let token = server.token(identity, room: room) { $0.roomAgents = agents.map { RoomAgentDispatch(agentName: $0) } }
        let ws = try TestWebSocket(port: server.port, token: token)
        return (ws, try ws.next(type: "joined"))
    }

    /// Reads until every agent in `names` is present (listed in `joined` or announced).
    func waitForAgents(_ ws: TestWebSocket, joined: JSONValue, _ names: [String]) throws -> [String: JSONValue] {
        var seen: [String: JSONValue] = [:]
        for p in joined["participants"]?.arrayValue ?? [] { if let id = p["identity"]?.stringValue { seen[id] = p } }
        while !names.allSatisfy({ seen["agent-" + $0] != nil }) {
            let m = try ws.next(type: "participant_joined", timeout: 20)
            if let id = m["participant"]?["identity"]?.stringValue { seen[id] = m["participant"] }
        }
        return seen
    }

    /// The next data message on `topic` (others skipped).
    func nextData(_ ws: TestWebSocket, topic: String, timeout: Double = 15, where accept: (JSONValue) -> Bool = { _ in true }) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let m = try ws.next(type: "data", timeout: max(0.01, deadline.timeIntervalSinceNow))
            if m["topic"]?.stringValue == topic, let payload = m["payload"], accept(payload) { return payload }
        }
    }

    /// Whether a data message on `topic` arrives within `seconds`.
    func hears(_ ws: TestWebSocket, topic: String, within seconds: Double) -> Bool {
        (try? nextData(ws, topic: topic, timeout: seconds)) != nil
    }

    func publish(_ ws: TestWebSocket, _ topic: String, _ payload: JSONValue) throws {
        try ws.send(json: ["type": "publish", "topic": .string(topic), "payload": payload])
    }

    /// Track ids of a `recs` answer, the part every runtime must agree on.
    func trackIDs(_ recs: JSONValue) -> [Int64] {
        (recs["tracks"]?.arrayValue ?? []).compactMap { $0["id"]?.int64Value }
    }

    @Test func demoRoomComparesTasteAndRecommendsPrivately() throws {
        let server = try demoServer()
        let (alice, aliceJoined) = try join(server, "alice", room: Self.demoRoom)
        let agents = try waitForAgents(alice, joined: aliceJoined, ["taste", "recommender"])
        #expect(agents["agent-taste"]?["kind"]?.stringValue == "agent")
        #expect(agents["agent-taste"]?["attributes"]?["agent.name"]?.stringValue == "taste")
        let (bob, _) = try join(server, "bob", room: Self.demoRoom)
        // Agents never count toward max_participants or num_participants.
        let room = try #require(try join(server, "carol", room: Self.demoRoom).1["room"])
        #expect(room["num_participants"]?.int64Value == 3)

        // A profile: resolved entries and the unresolvable one come back to the sender only.
        try publish(alice, "profile", ["tracks": [["title": "Golden Harbour"], ["title": "Sunny Samba", "artist": "Lia Moreno Trio"], ["title": "no such song anywhere"]]])
        let status = try nextData(alice, topic: "profile.status")
        #expect(status["resolved"]?.arrayValue?.count == 2)
        #expect(status["unresolved"]?.arrayValue?.first?["title"]?.stringValue == "no such song anywhere")
        let taste = try nextData(bob, topic: "taste") { $0["guest"]?.stringValue == "alice" }
        #expect(!hears(bob, topic: "profile.status", within: 0.5))
        #expect(taste["host"]?.stringValue == "host")
        var similarity = try #require(taste["similarity"]?.doubleValue)
        #expect(similarity > 0 && similarity <= 1)
        #expect(taste["host_tracks"]?.arrayValue?.count == 4, "the stored host profile is compared while the host is offline")

        // Seeds: recommendations to alice only, never the seeds themselves.
        try publish(alice, "recs.control", ["seeds": [1, 2]])
        // The seeds joined alice's profile (source `seed`), and she is compared again with them.
        let seeded = try nextData(bob, topic: "taste") { $0["guest"]?.stringValue == "alice" && $0["guest_tracks"]?.arrayValue?.count == 4 }
        let guestTracks = Set((seeded["guest_tracks"]?.arrayValue ?? []).compactMap { $0["id"]?.int64Value })
        #expect(guestTracks.isSuperset(of: [1, 2]) && guestTracks.count == 4, "\(guestTracks)")
        let catalog = try Catalog(path: server.directory.appendingPathComponent("test.sqlite").path)
        let sources = Dictionary(try catalog.profile(identity: "alice").map { ($0.trackID, $0.source) }, uniquingKeysWith: { a, _ in a })
        #expect(sources[1] == "seed" && sources[2] == "seed" && sources.values.filter { $0 == "profile" }.count == 2, "\(sources)")
        similarity = try #require(seeded["similarity"]?.doubleValue)
        let recs = try nextData(alice, topic: "recs")
        #expect(recs["for"]?.stringValue == "alice")
        let ids = trackIDs(recs)
        #expect(!ids.isEmpty && !ids.contains(1) && !ids.contains(2))
        #expect(recs["tracks"]?.arrayValue?.first?["why"]?.stringValue?.isEmpty == false)
        #expect(!hears(bob, topic: "recs", within: 0.5), "recommendations are addressed to the requester only")

        // A hidden observer is neither compared nor answered.
        let hiddenToken = server.token("observer", room: Self.demoRoom) { $0.grant.hidden = true }
        let observer = try TestWebSocket(port: server.port, token: hiddenToken)
        _ = try observer.next(type: "joined")
        try publish(observer, "recs.control", ["seeds": [3]])
        try publish(observer, "profile", ["tracks": [["id": 3]]])
        #expect(!hears(observer, topic: "recs", within: 0.7))
        #expect(!hears(observer, topic: "profile.status", within: 0.1))

        // A returning identity gets its stored profile back: the taste agent compares it again
        // without being sent anything.
        try alice.close()
        _ = try alice.expectClose()
        let (again, _) = try join(server, "alice", room: Self.demoRoom)
        let back = try nextData(again, topic: "taste") { $0["guest"]?.stringValue == "alice" }
        #expect(back["similarity"]?.doubleValue == similarity)
    }

    @Test func theSameAgentAsABotAndAsAWorkerGivesTheSameAnswersAndItsDeathLeavesTheRoomWorking() throws {
        let server = try demoServer()
        let url = "ws://127.0.0.1:\(server.port)"
        let seeds: JSONValue = ["seeds": [5, 9]]

        // In-process (dispatched by the token's roomConfig.agents).
        let (local, localJoined) = try join(server, "listener", room: "in-process", agents: ["recommender"])
        _ = try waitForAgents(local, joined: localJoined, ["recommender"])
        try publish(local, "recs.control", seeds)
        let localRecs = try nextData(local, topic: "recs")
        let expected = trackIDs(localRecs)
        #expect(!expected.isEmpty)

        // As a headless bot.
        let bot = try AgentProcess(["run", "recommender", "--url", url, "--room", "bot-room", "--api-key", "devkey", "--api-secret", "secret", "--db", server.databasePath])
        let (botGuest, botJoined) = try join(server, "listener", room: "bot-room")
        _ = try waitForAgents(botGuest, joined: botJoined, ["recommender"])
        try publish(botGuest, "recs.control", seeds)
        let botRecs = try nextData(botGuest, topic: "recs")
        #expect(trackIDs(botRecs) == expected, "bot: \(botRecs.serializedString)")
        // Killing the bot leaves the room working.
        bot.kill()
        try botGuest.send(json: ["type": "ping", "id": 7])
        #expect(try botGuest.next(type: "pong")["id"]?.int64Value == 7)

        // As a worker: the server sends it the dispatch instead of running it itself.
        let worker = try AgentProcess(["worker", "--url", url, "--agents", "recommender,taste", "--api-key", "devkey", "--api-secret", "secret", "--db", server.databasePath])
        #expect(worker.waitForLog("worker registered"), "worker log:\n\(worker.log)")
        let (workGuest, workJoined) = try join(server, "listener", room: "worker-room", agents: ["recommender"])
        _ = try waitForAgents(workGuest, joined: workJoined, ["recommender"])
        #expect(worker.waitForLog("job assigned"))
        try publish(workGuest, "recs.control", seeds)
        #expect(trackIDs(try nextData(workGuest, topic: "recs")) == expected)

        // The worker dies: its job moves (here in-process, the only place left) and the room
        // keeps answering.
        worker.kill()
        let left = try workGuest.next(type: "participant_left", timeout: 15)
        #expect(left["participant"]?["identity"]?.stringValue == "agent-recommender")
        #expect(left["reason"]?.stringValue == "duplicate_identity")
        _ = try workGuest.next(type: "participant_joined", timeout: 15)
        try publish(workGuest, "recs.control", seeds)
        #expect(trackIDs(try nextData(workGuest, topic: "recs")) == expected)
        let metrics = try TestSocket.get(port: server.port, "/metrics").bodyText
        #expect(metrics.contains("wavedefect_agent_jobs_redispatched_total 1"))
    }
}
