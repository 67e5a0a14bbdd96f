import Foundation
import Testing
import WireJSON

/// One server for the suite; no test here joins a room.
@Suite(.sharedServer(config: """
    limits:
      header_timeout: 1
      max_body_bytes: 100
      max_head_bytes: 1024
      max_request_line_bytes: 200
    """))
struct HTTPEndpointTests {
    let server: ServerProcess

    init() throws {
        server = try .shared
    }

    @Test func healthz() throws {
        let r = try TestSocket.get(port: server.port, "/healthz")
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == "application/json")
        let body = try JSONParser.parse(r.bodyText)
        #expect(body["status"] == "ok")
        #expect(body["rooms"] == 0)
    }

    @Test func servesTheWebClientWithContentTypes() throws {
        let index = try TestSocket.get(port: server.port, "/")
        #expect(index.status == 200)
        #expect(index.header("Content-Type") == "text/html; charset=utf-8")
        #expect(index.bodyText.lowercased().contains("<html") || index.bodyText.lowercased().contains("<!doctype html"))
        let again = try TestSocket.get(port: server.port, "/index.html")
        #expect(again.body == index.body)
    }

    @Test(arguments: ["/../Package.swift", "/%2e%2e/Package.swift", "/%2E%2E%2FPackage.swift", "/..%2fPackage.swift", "/./../Package.swift", "/web/../../etc/passwd", "/%00", "/nope.html"])
    func noPathLeavesTheWebRoot(_ path: String) throws {
        let r = try TestSocket.request(port: server.port, "GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(r.status == 404, "\(path) → \(r.status)")
        #expect(!r.bodyText.contains("PackageDescription"))
    }

    @Test func unknownRouteAndWrongMethod() throws {
        #expect(try TestSocket.request(port: server.port, "POST /nothing HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status == 404)
        let r = try TestSocket.request(port: server.port, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        #expect(r.status == 405)
        #expect(r.header("Allow") != nil)
    }

    @Test func keepAliveServesPipelinedRequestsInOrder() throws {
        let s = try TestSocket(port: server.port)
        try s.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nHEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let (a, _) = try s.readResponse()
        #expect(a.status == 200 && a.header("Connection") == "keep-alive")
        let (b, _) = try s.readResponse()
        #expect(b.status == 404)
        let (c, rest3) = try s.readResponse(headOnly: true)
        #expect(c.status == 200)
        #expect(rest3.isEmpty)
        #expect(Int(c.header("Content-Length") ?? "") ?? 0 > 0)
    }

    @Test func malformedRequestIs400AndCloses() throws {
        let s = try TestSocket(port: server.port)
        try s.send("GARBAGE\r\n\r\n")
        let (r, _) = try s.readResponse()
        #expect(r.status == 400)
        #expect(s.readUntilClosed(timeout: 2).isEmpty)
        #expect(s.peerClosed)
    }

    @Test func limitsAnswer413And414And431() throws {
        let big = try TestSocket.request(port: server.port, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n")
        #expect(big.status == 413)
        // On a Twirp route the same refusal is a Twirp error: `malformed`, JSON, whatever the body's encoding.
        let twirp = try TestSocket.request(
            port: server.port, "POST /twirp/livekit.RoomService/ListRooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/protobuf\r\nContent-Length: 101\r\n\r\n"
        )
        #expect(twirp.status == 400)
        #expect(twirp.header("Content-Type") == "application/json")
        let error = try JSONParser.parse(twirp.bodyText)
        #expect(error["code"] == "malformed")
        #expect(error["msg"]?.stringValue?.contains("max_body_bytes") == true)
        let longLine = try TestSocket.request(port: server.port, "GET /" + String(repeating: "a", count: 300) + " HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(longLine.status == 414)
        let bigHead = try TestSocket.request(port: server.port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "b", count: 2000) + "\r\n\r\n")
        #expect(bigHead.status == 431)
    }

    @Test func halfSentRequestTimesOutWith408() throws {
        let s = try TestSocket(port: server.port)
        try s.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        let (r, _) = try s.readResponse(timeout: 4)
        #expect(r.status == 408)
        #expect(s.readUntilClosed(timeout: 2).isEmpty)
    }

    @Test func silentConnectionIsDropped() throws {
        let s = try TestSocket(port: server.port)
        let start = Date()
        #expect(s.readUntilClosed(timeout: 5).isEmpty)
        #expect(s.peerClosed)
        #expect(Date().timeIntervalSince(start) < 4.5)
    }
}

@Suite(.blocking) struct DemoCatalogServeTests {
    /// The default `serve` writes and ingests the demo tracks in the background while it
    /// already answers requests.
    @Test func serveBuildsTheDemoCatalogInTheBackground() throws {
        let server = try ServerProcess(demoCatalog: true)
        let first = try JSONParser.parse(try TestSocket.get(port: server.port, "/healthz").bodyText)
        #expect(first["status"] == "ok")
        // Ingest decodes, embeds and fingerprints every track; on a loaded 2-core machine
        // running the rest of the suite that takes minutes.
        let deadline = Date().addingTimeInterval(300)
        var tracks: Int64 = 0
        while Date() < deadline {
            tracks = try JSONParser.parse(try TestSocket.get(port: server.port, "/healthz").bodyText)["tracks"]?.int64Value ?? 0
            if tracks == 288 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(tracks == 288, "\(server.log)")  // DemoTrack.catalog(): 12 styles × 24
        #expect(FileManager.default.fileExists(atPath: server.directory.appendingPathComponent("demo").path))
    }
}
