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

        try checkAudio(server, dir: dir, ids: points.compactMap { $0["id"]?.int64Value })

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

    /// `/api/tracks/{id}/audio`: whole files, ranges, HEAD, 416, a file grown to 5 MB (many
    /// chunks, a request pipelined behind it), a file deleted (404).
    func checkAudio(_ server: ServerProcess, dir: URL, ids: [Int64]) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("demo").path)
            .map { dir.appendingPathComponent("demo").appendingPathComponent($0) }
        let contents = try files.map { try Data(contentsOf: $0) }
        let id = try #require(ids.first)
        let whole = try TestSocket.get(port: server.port, "/api/tracks/\(id)/audio")
        #expect(whole.status == 200 && whole.header("Content-Type") == "audio/wav" && whole.header("Accept-Ranges") == "bytes")
        let index = try #require(contents.firstIndex { [UInt8]($0) == whole.body }, "the body is none of the demo files")
        let file = [UInt8](contents[index]), path = files[index]
        #expect(whole.header("Content-Length") == "\(file.count)" && file.starts(with: Array("RIFF".utf8)))

        func range(_ header: String, method: String = "GET") throws -> TestHTTPResponse {
            try TestSocket.request(port: server.port, "\(method) /api/tracks/\(id)/audio HTTP/1.1\r\nHost: x\r\nRange: \(header)\r\nConnection: close\r\n\r\n")
        }
        let head = try range("bytes=0-99")
        #expect(head.status == 206 && head.header("Content-Range") == "bytes 0-99/\(file.count)" && head.body == Array(file[0..<100]))
        let tail = try range("bytes=-10")
        #expect(tail.status == 206 && tail.body == Array(file.suffix(10)) && tail.header("Content-Length") == "10")
        let past = try range("bytes=\(file.count)-")
        #expect(past.status == 416 && past.header("Content-Range") == "bytes */\(file.count)")
        let pastJSON = try JSONParser.parse(past.bodyText)
        #expect(pastJSON["error"] == "range_not_satisfiable")
        let headOnly = try TestSocket(port: server.port)
        try headOnly.send("HEAD /api/tracks/\(id)/audio HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let (headResponse, _) = try headOnly.readResponse(headOnly: true)
        #expect(headResponse.status == 200 && headResponse.header("Content-Length") == "\(file.count)")
        #expect(headOnly.readUntilClosed(timeout: 5).isEmpty)

        // The same track's file grown to 5 MB: sent in many chunks, byte for byte, with curl;
        // a range across chunk boundaries; a request pipelined behind a stream waits for it.
        var rng = SystemRandomNumberGenerator()
        let big = (0..<(5 << 20)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        try Data(big).write(to: path)
        let downloaded = dir.appendingPathComponent("download.bin")
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = ["curl", "-s", "-o", downloaded.path, "http://127.0.0.1:\(server.port)/api/tracks/\(id)/audio"]
        try curl.run()
        curl.waitUntilExit()
        #expect(curl.terminationStatus == 0 && (try? Data(contentsOf: downloaded)) == Data(big))
        let middle = try range("bytes=300000-2999999")
        #expect(middle.status == 206 && middle.body == Array(big[300000...2999999]))
        let pipelined = try TestSocket(port: server.port)
        try pipelined.send("GET /api/tracks/\(id)/audio HTTP/1.1\r\nHost: x\r\n\r\nGET /api/tracks/\(id) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let (streamed, _) = try pipelined.readResponse()
        let (after, _) = try pipelined.readResponse()
        let afterJSON = try JSONParser.parse(after.bodyText)
        #expect(streamed.body == big && after.status == 200 && afterJSON["id"]?.int64Value == id)

        // Gone from disk: a JSON 404 that says so; no such track: 404.
        try FileManager.default.removeItem(at: path)
        let gone = try TestSocket.get(port: server.port, "/api/tracks/\(id)/audio")
        #expect(gone.status == 404 && gone.header("Content-Type") == "application/json")
        let goneJSON = try JSONParser.parse(gone.bodyText)
        #expect(goneJSON["message"]?.stringValue?.hasPrefix("the audio file of track \(id) is gone") == true)
        #expect(try TestSocket.get(port: server.port, "/api/tracks/999999/audio").status == 404)
    }
}
