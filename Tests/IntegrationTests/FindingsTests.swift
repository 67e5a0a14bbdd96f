import Foundation
import Testing
import WireJSON

/// The findings of issue 12's outside attack run, each reproduced over a real socket.
@Suite(.sharedServer())
struct FindingsTests {
    let server: ServerProcess

    init() throws {
        server = try .shared
    }

    /// Everything the server sends until it closes, split into HTTP status lines.
    func statuses(after bytes: String) throws -> [Int] {
        let s = try TestSocket(port: server.port)
        try s.send(bytes)
        let text = String(decoding: s.readUntilClosed(timeout: 10), as: UTF8.self)
        return text.components(separatedBy: "HTTP/1.1 ").dropFirst().compactMap { Int($0.prefix(3)) }
    }

    @Test func oneRefusalPerConnectionAfterConnectionClose() throws {
        // A request line over 8 KiB streamed in pieces got two or three 414s.
        let s = try TestSocket(port: server.port)
        try s.send("GET /")
        for _ in 0..<6 { try s.send(String(repeating: "a", count: 4000)) }
        let text = String(decoding: s.readUntilClosed(timeout: 10), as: UTF8.self)
        #expect(text.components(separatedBy: "HTTP/1.1 ").count - 1 == 1, "\(text.prefix(300))")
        #expect(text.hasPrefix("HTTP/1.1 414"))
        // An oversized chunk got a 413 then eight 400s.
        let chunked = "POST /twirp/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFF\r\n" + String(repeating: "GET / HTTP/1.1\r\nHost: h\r\n\r\n", count: 8)
        #expect(try statuses(after: chunked).count == 1)
    }

    @Test func twoHostHeadersAre400() throws {
        #expect(try statuses(after: "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == [400])
    }

    @Test(arguments: ["DELETE", "TRACE", "PUT"])
    func otherMethodsOnAStaticFileAre405(_ method: String) throws {
        let r = try TestSocket.request(port: server.port, "\(method) /index.html HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
        #expect(r.status == 405)
        #expect(r.header("Allow") == "GET, HEAD")
    }

    @Test func absoluteFormTargetsAreServed() throws {
        let r = try TestSocket.request(port: server.port, "GET http://127.0.0.1:\(server.port)/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(r.status == 200)
        #expect(try JSONParser.parse(r.bodyText)["status"] == "ok")
    }

    @Test func twirpTakesOnlyExactlyApplicationJSON() throws {
        let token = server.token("admin") { $0.grant.roomList = true }
        let r = try TestSocket.request(port: server.port, "POST /twirp/livekit.RoomService/ListRooms HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/jsonx\r\nContent-Length: 2\r\n\r\n{}")
        #expect(r.status == 404)
        #expect(try JSONParser.parse(r.bodyText)["code"] == "bad_route")
    }

    func admin(_ method: String, room: String = "lab", body: [UInt8]) throws -> TestHTTPResponse {
        let token = server.token("admin", room: room) { $0.grant.roomCreate = true; $0.grant.roomAdmin = true; $0.grant.roomList = true }
        let s = try TestSocket(port: server.port)
        try s.send(Array("POST /twirp/livekit.RoomService/\(method) HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body)
        return try s.readResponse().0
    }

    @Test func theAdminAPIRefusesInvalidUTF8() throws {
        let room = ServerProcess.uniqueRoom("utf8")
        let r = try admin("CreateRoom", body: Array(#"{"name":"\#(room)","metadata":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8))
        #expect(r.status == 400)
        #expect(try JSONParser.parse(r.bodyText)["code"] == "malformed")
    }

    @Test func roomMetadataHasASizeLimit() throws {
        let room = ServerProcess.uniqueRoom("meta")
        #expect(try admin("CreateRoom", body: Array(#"{"name":"\#(room)"}"#.utf8)).status == 200)
        let big = String(repeating: "m", count: 900_000)
        let r = try admin("UpdateRoomMetadata", room: room, body: Array(#"{"room":"\#(room)","metadata":"\#(big)"}"#.utf8))
        #expect(r.status == 400)
        #expect(try JSONParser.parse(r.bodyText)["code"] == "invalid_argument")
        #expect(try admin("UpdateRoomMetadata", room: room, body: Array(#"{"room":"\#(room)","metadata":"\#(String(repeating: "m", count: 64_000))"}"#.utf8)).status == 200)
        #expect(try admin("CreateRoom", body: Array(#"{"name":"\#(room)-2","metadata":"\#(big)"}"#.utf8)).status == 400)
    }

    @Test func devTokenTakesTheIdentitiesAJoinTakesAndNoControlCharacters() throws {
        #expect(try TestSocket.get(port: server.port, "/dev/token?identity=\(String(repeating: "i", count: 255))").status == 200)
        #expect(try TestSocket.get(port: server.port, "/dev/token?identity=\(String(repeating: "i", count: 256))").status == 400)
        #expect(try TestSocket.get(port: server.port, "/dev/token?identity=a%0D%0Aforged").status == 400)
        #expect(try TestSocket.get(port: server.port, "/dev/token?identity=ok&name=%1B%5B31m").status == 400)
    }

    @Test func aJoinWithControlCharactersInTheIdentityIsRefusedAndNothingForgedIsLogged() throws {
        let token = server.token("x\r\n[wavedefect] forged line \u{1B}[2J")
        let s = try TestSocket(port: server.port)
        try s.send("GET /rtc?access_token=\(token) HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(TestWebSocket.sampleKey)\r\nSec-WebSocket-Version: 13\r\n\r\n")
        #expect(try s.readResponse().0.status == 401)
        // The refusal is logged at debug level, with the reason escaped.
        #expect(!server.log.contains("\r\n[wavedefect] forged"))
        #expect(!server.log.contains("\u{1B}[2J"))
    }

    @Test func errorsKeepTheRequestIdBehindARefusedPart() throws {
        let ws = try TestWebSocket(port: server.port, token: server.token("ids", room: ServerProcess.uniqueRoom()))
        _ = try ws.next(type: "joined")
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        try ws.send(text: #"{"type":"publish","topic":"t","payload":\#(deep),"id":"deep"}"#)
        #expect(try ws.next(type: "error")["id"] == "deep")
        try ws.send(text: #"{"type":"publish","topic":"\ud800","payload":1,"id":"sur"}"#)
        #expect(try ws.next(type: "error")["id"] == "sur")
        try ws.send(text: #"{"type":"ping","id":01}"#)
        let e = try ws.next(type: "error")
        #expect(e["code"] == "bad_json")
        #expect(e["id"] == nil)
    }
}
