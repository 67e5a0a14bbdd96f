import Foundation
import Testing
import WireJSON

/// `/api/tracks` against the real binary: a catalog made by `wavedefect demo-catalog`, served
/// by `wavedefect serve --db`. One server, one test walking through the API in order.
@Suite(.blocking) struct CatalogAPITests {
    func run(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = ServerProcess.binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    func get(_ server: ServerProcess, _ target: String) throws -> (status: Int, json: JSONValue) {
        let r = try TestSocket.get(port: server.port, target)
        #expect(r.header("Content-Type") == "application/json", "\(target)")
        return (r.status, try JSONParser.parse(r.bodyText))
    }

    @Test func searchTrackAndSimilarOverHTTP() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wd-catalog-api-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("catalog.sqlite").path
        let made = try run(["demo-catalog", "--dir", dir.appendingPathComponent("demo").path, "--db", db, "--variants", "2", "--duration", "3"])
        #expect(made == 0)
        let server = try ServerProcess(arguments: ["--db", db])

        // The catalog, page by page.
        let page = try get(server, "/api/tracks?limit=5")
        #expect(page.status == 200)
        let listed = try #require(page.json["tracks"]?.arrayValue)
        #expect(listed.count == 5)
        #expect(page.json["next_after"]?.int64Value == listed.last?["id"]?.int64Value)
        let first = listed[0]
        for field in ["id", "title", "artist", "album", "duration_s"] { #expect(first[field] != nil, "\(field)") }
        #expect(first["source"] == nil)
        #expect(abs((first["duration_s"]?.doubleValue ?? 0) - 3) < 0.01)

        // One track, and a JSON 404 for an absent one.
        let id = try #require(first["id"]?.int64Value)
        let one = try get(server, "/api/tracks/\(id)")
        #expect(one.status == 200 && one.json == first)
        let absent = try get(server, "/api/tracks/999999")
        #expect(absent.status == 404)
        #expect(absent.json["error"] == "not_found" && absent.json["message"] == "no track with id 999999")

        // Search: a word of the title in another case, a two-letter piece, and a typo.
        let title = try #require(first["title"]?.stringValue)
        let word = try #require(title.split(separator: " ").first.map(String.init))
        let byWord = try get(server, "/api/tracks?q=\(word.uppercased().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&limit=50")
        #expect(byWord.status == 200)
        let found = try #require(byWord.json["tracks"]?.arrayValue)
        #expect(found.contains { $0["id"]?.int64Value == id })
        #expect(found.allSatisfy { $0["match"] == "exact" && $0["relevance"]?.doubleValue == 1 })
        let short = String(word.prefix(2)).lowercased()
        let byTwo = try #require(try get(server, "/api/tracks?q=\(short)&limit=100").json["tracks"]?.arrayValue)
        #expect(byTwo.contains { $0["id"]?.int64Value == id })
        var typo = Array(word.lowercased())
        if typo.count >= 4 { typo.swapAt(1, 2) }
        let near = try #require(try get(server, "/api/tracks?q=\(String(typo))").json["tracks"]?.arrayValue)
        #expect(near.contains { $0["id"]?.int64Value == id })
        let nothing = try get(server, "/api/tracks?q=zzzzqqqq")
        #expect(nothing.status == 200 && nothing.json["tracks"]?.arrayValue?.isEmpty == true)

        // Similar tracks, each with a score, never the seed itself.
        let similar = try get(server, "/api/tracks/\(id)/similar?k=4")
        #expect(similar.status == 200)
        let neighbours = try #require(similar.json["tracks"]?.arrayValue)
        #expect(neighbours.count == 4)
        #expect(!neighbours.contains { $0["id"]?.int64Value == id })
        let scores = neighbours.compactMap { $0["score"]?.doubleValue }
        #expect(scores.count == 4 && scores == scores.sorted(by: >))
        #expect(similar.json["seed"]?["id"]?.int64Value == id)
        #expect(try get(server, "/api/tracks/999999/similar").status == 404)

        // The first map is computed on the thread pool while a pipelined request waits behind
        // it on the same connection: answers come back in request order.
        let pipelined = try TestSocket(port: server.port)
        try pipelined.send("GET /api/map?model=mfcc20-meanstd HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let (mapAgain, _) = try pipelined.readResponse()
        let (health, _) = try pipelined.readResponse()
        #expect(mapAgain.status == 200 && mapAgain.header("Content-Type") == "application/json" && health.bodyText.contains("\"status\""))
        // The map: every track once, inside [-1, 1] with the farthest at ±1, with its title.
        let map = try get(server, "/api/map")
        #expect(map.json == (try JSONParser.parse(mapAgain.bodyText)))  // cached
        #expect(map.status == 200 && map.json["model"] == "mfcc20-meanstd")
        let points = try #require(map.json["points"]?.arrayValue)
        #expect(points.count == 24 && map.json["count"]?.int64Value == 24)
        #expect(Set(points.compactMap { $0["id"]?.int64Value }).count == 24)
        let coordinates = points.flatMap { p -> [Double] in [p["x"]?.doubleValue ?? 9, p["y"]?.doubleValue ?? 9] }
        #expect(coordinates.allSatisfy { abs($0) <= 1 } && coordinates.contains { abs($0) == 1 })
        #expect(points.first { $0["id"]?.int64Value == id }?["title"] == first["title"])
        let explained = (map.json["explained"]?.arrayValue ?? []).compactMap(\.doubleValue)
        #expect(explained.count == 2 && explained[0] >= explained[1] && explained[0] + explained[1] <= 1)
        let unknown = try get(server, "/api/map?model=nope")
        #expect(unknown.status == 404 && unknown.json["error"] == "not_found")
        #expect(unknown.json["message"]?.stringValue?.hasPrefix("no model named nope; the catalog has: ") == true)

        // Bad parameters: 400 with the reason; other methods: 405.
        let bad = try get(server, "/api/tracks?q=a&limit=1000")
        #expect(bad.status == 400 && bad.json["message"] == "limit must be an integer from 1 to 100, got '1000'")
        #expect(try get(server, "/api/tracks?q=").status == 400)
        #expect(try get(server, "/api/tracks/x").status == 400)
        #expect(try get(server, "/api/tracks/\(id)/similar?k=0").status == 400)
        let post = try TestSocket.request(port: server.port, "POST /api/tracks HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        #expect(post.status == 405 && post.header("Allow") == "GET, HEAD")
        #expect(server.stop() == 0)
    }
}
