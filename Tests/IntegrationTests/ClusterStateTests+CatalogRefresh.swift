import Foundation
import MusicCatalog
import TestSupport
import Testing
import WireJSON

/// A read-only node's index follows the shared catalog (docs/cluster.md#the-catalog): tracks
/// ingested after it started become searchable there without a restart, and a deleted track
/// leaves its index.
extension ClusterStateTests {
    /// `GET /api/tracks/ID/similar` on `server`: 200 once the node's index holds the track's vector.
    func similar(_ server: ServerProcess, _ id: Int64) throws -> (status: Int, ids: [Int64]) {
        let r = try TestSocket.get(port: server.port, "/api/tracks/\(id)/similar?k=50")
        let json = (try? JSONParser.parse(r.bodyText)) ?? .null
        return (r.status, json["tracks"]?.arrayValue?.compactMap { $0["id"]?.int64Value } ?? [])
    }

    @Test func aReadOnlyNodesIndexFollowsTracksIngestedAfterItStarted() throws {
        let redis = try RedisServerProcess()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-refresh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let catalogPath = try Self.makeCatalog(in: directory)
        let b = try ServerProcess(config: "catalog_refresh_interval: 0.2\n", arguments: ["--redis", redis.url, "--node-id", "node-b", "--db", catalogPath, "--catalog-read-only"])
        #expect(try similar(b, 12).status == 200)

        // The ingesting side (here the test, as `wavedefect ingest` would) adds two tracks.
        let writer = try Catalog(path: catalogPath)
        var added: [Int64] = []
        for i in 0..<2 {
            let vector = (0..<40).map { _ in Float.random(in: -1...1) }
            added.append(try writer.addTrack(Track(title: "Late \(i)", artist: "Shared Artist", source: "/shared/late\(i).wav"), vector: vector, model: "mfcc20-meanstd").id)
        }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try added.contains(where: { try similar(b, $0).status != 200 }) { Thread.sleep(forTimeInterval: 0.05) }
        for id in added { #expect(try similar(b, id).status == 200, "track \(id) reached node B's index") }
        #expect(try similar(b, 1).ids.contains(added[0]), "and its searches")
        #expect(b.waitForLog("catalog refreshed: new tracks added to the index", timeout: 5))

        // A track deleted by the ingesting side leaves node B's index (a full reload).
        try writer.removeTrack(id: 5)
        // (Searches would hide it anyway, since the catalog no longer has it: the log says
        // what the index holds.)
        #expect(b.waitForLog("catalog refreshed: index loaded again", timeout: 10), "\(b.log.suffix(2000))")
        let reload = b.log.split(separator: "\n").first { $0.contains("index loaded again") }
        #expect(reload?.contains("tracks=13") == true, "12 + 2 - 1: \(reload ?? "-")")
        #expect(b.stop() == 0)
    }
}
