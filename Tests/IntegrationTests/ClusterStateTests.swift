import AccessToken
import Foundation
import MusicCatalog
import TestSupport
import Testing
import WireJSON

/// State beyond rooms in a cluster (docs/cluster.md): two `wavedefect serve` nodes on one real
/// `redis-server` and one SQLite catalog — node A opens it read-write (the node that ingests),
/// node B read-only — and taste profiles stored in Redis, the same from either node.
@Suite(.blocking) struct ClusterStateTests {
    /// A catalog file of `count` tracks with built-in-model vectors (ids 1…count), written
    /// and closed before any node opens it.
    static func makeCatalog(in directory: URL, count: Int = 12) throws -> String {
        let path = directory.appendingPathComponent("shared.sqlite").path
        let catalog = try Catalog(path: path)
        var generator = SystemRandomNumberGenerator()
        for i in 0..<count {
            let vector = (0..<40).map { _ in Float.random(in: -1...1, using: &generator) }
            try catalog.addTrack(Track(title: "Song \(i)", artist: "Shared Artist", source: "/shared/\(i).wav"), vector: vector, model: "mfcc20-meanstd")
        }
        return path
    }

    func join(_ server: ServerProcess, _ identity: String, room: String) throws -> TestWebSocket {
        let token = server.token(identity, room: room) { $0.roomAgents = [RoomAgentDispatch(agentName: "taste")] }
        let ws = try TestWebSocket(port: server.port, token: token)
        _ = try ws.next(type: "joined")
        return ws
    }

    /// The next data payload on `topic` that `accept` takes.
    func nextData(_ ws: TestWebSocket, topic: String, timeout: Double = 20, where accept: (JSONValue) -> Bool = { _ in true }) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let m = try ws.next(type: "data", timeout: max(0.01, deadline.timeIntervalSinceNow))
            if m["topic"]?.stringValue == topic, let payload = m["payload"], accept(payload) { return payload }
        }
    }

    @Test func tasteProfilesAreTheSameFromEveryNodeOverOneReadOnlyCatalog() throws {
        let redis = try RedisServerProcess()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-shared-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let catalogPath = try Self.makeCatalog(in: directory)
        let a = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-a", "--db", catalogPath])
        let b = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-b", "--db", catalogPath, "--catalog-read-only"])
        #expect(b.log.contains("read_only=true") && b.log.contains("profiles=redis"), "\(b.log.suffix(2000))")
        #expect(a.log.contains("read_only=false") && a.log.contains("profiles=redis"), "\(a.log.suffix(2000))")

        // Alice sets her profile through node B, whose catalog is read-only: it goes to Redis.
        let roomB = ServerProcess.uniqueRoom("profile-b")
        let onB = try join(b, "alice", room: roomB)
        try onB.send(json: ["type": "publish", "topic": "profile", "payload": ["tracks": [["id": 3], ["id": 5], ["title": "Song 7"]]]])
        let status = try nextData(onB, topic: "profile.status")
        #expect(status["resolved"]?.arrayValue?.count == 3, "\(status.serializedString)")
        #expect(redis.command("HLEN wavedefect:profile:alice").map { String(decoding: $0, as: UTF8.self) }?.hasPrefix(":4\r\n") == true, "three tracks and the position counter")
        try onB.close()

        // On node A, in another room, the taste agent finds her profile without being sent it.
        let roomA = ServerProcess.uniqueRoom("profile-a")
        let onA = try join(a, "alice", room: roomA)
        let blend = try nextData(onA, topic: "taste") { $0["room_blend"] != nil }
        #expect(blend["room_blend"]?["participants"]?.arrayValue?.compactMap(\.stringValue) == ["alice"], "\(blend.serializedString)")
        // What node A adds (a seed) is what node B reads next.
        try onA.send(json: ["type": "publish", "topic": "recs.control", "payload": ["seeds": [9]]])
        _ = try nextData(onA, topic: "taste") { $0["room_blend"] != nil }
        #expect(redis.command("HEXISTS wavedefect:profile:alice 9").map { String(decoding: $0, as: UTF8.self) }?.hasPrefix(":1\r\n") == true)
        try onA.close()

        // Nothing went to the SQLite file: its profile table stays empty.
        let catalog = try Catalog(path: catalogPath, readOnly: true)
        #expect(try catalog.profile(identity: "alice").isEmpty)
        #expect(a.stop() == 0)
        #expect(b.stop() == 0)
    }

    @Test func aReadOnlyCatalogNeedsRedisAndAnExistingFile() throws {
        do {
            _ = try ServerProcess(arguments: ["--catalog-read-only"])
            Issue.record("a read-only catalog without Redis started")
        } catch let error as ServerProcess.ServerStartError {
            #expect(error.log.contains("catalog_read_only needs a cluster (--redis)"), "\(error.log.suffix(1500))")
        }
        let redis = try RedisServerProcess()
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("wd-missing-\(UUID().uuidString)/none.sqlite").path
        do {
            _ = try ServerProcess(arguments: ["--redis", redis.url, "--db", missing, "--catalog-read-only"])
            Issue.record("a read-only catalog that does not exist opened")
        } catch let error as ServerProcess.ServerStartError {
            #expect(error.log.contains("(read-only)"), "\(error.log.suffix(1500))")
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
