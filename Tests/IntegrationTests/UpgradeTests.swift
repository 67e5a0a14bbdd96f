import AccessToken
import CryptoPrimitives
import Foundation
import Testing
import WireJSON

/// One server for the suite. Only `joinsAndReceivesJoinedFirst` joins `lab` and only
/// `fullRoomIs403` joins `tiny`, so the parallel tests cannot see each other.
@Suite(.sharedServer(config: "auto_create_rooms: false\n", rooms: [
    "lab.yaml": "name: lab\ntitle: The Lab\nhost: hoster\n",
    "tiny.yaml": "name: tiny\nmax_participants: 1\n",
    "bearer.yaml": "name: bearer\n",
]))
struct UpgradeTests {
    let server: ServerProcess

    init() throws {
        server = try .shared
    }

    func refusal(_ path: String, headers: String = "", key: String = TestWebSocket.sampleKey) throws -> TestHTTPResponse {
        do {
            _ = try TestWebSocket(port: server.port, path: path, extraHeaders: headers, key: key)
        } catch let e as TestWebSocket.UpgradeRefused {
            return e.response
        }
        Issue.record("upgrade of \(path) succeeded")
        return TestHTTPResponse(status: 101, headers: [], body: [])
    }

    func rawUpgrade(_ request: String) throws -> TestHTTPResponse {
        try TestSocket.request(port: server.port, request)
    }

    @Test func joinsAndReceivesJoinedFirst() throws {
        let ws = try TestWebSocket(port: server.port, token: server.token("alice") { $0.name = "Alice"; $0.metadata = "{\"c\":1}"; $0.attributes = ["role": "dj"] })
        let joined = try ws.nextJSON()
        #expect(joined["type"] == "joined")
        #expect(joined["room"]?["name"] == "lab")
        #expect(joined["room"]?["title"] == "The Lab")
        #expect(joined["room"]?["host_identity"] == "hoster")
        let me = try #require(joined["participant"])
        #expect(me["identity"] == "alice")
        #expect(me["name"] == "Alice")
        #expect(me["metadata"] == "{\"c\":1}")
        #expect(me["attributes"] == ["role": "dj"])
        #expect(me["kind"] == "standard")
        #expect(me["sid"]?.stringValue?.hasPrefix("PA_") == true)
        #expect(me["joined_at"]?.int64Value ?? 0 > 1_700_000_000)
        #expect(joined["participants"] == [])
        #expect(joined["resume_token"]?.stringValue?.isEmpty == false)
    }

    @Test func wrongVersionIs426WithVersionHeader() throws {
        let r = try rawUpgrade("GET /rtc?access_token=\(server.token("a")) HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(TestWebSocket.sampleKey)\r\nSec-WebSocket-Version: 8\r\n\r\n")
        #expect(r.status == 426)
        #expect(r.header("Sec-WebSocket-Version") == "13")
    }

    @Test func missingKeyIs400() throws {
        let r = try rawUpgrade("GET /rtc?access_token=\(server.token("a")) HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n")
        #expect(r.status == 400)
        #expect(try refusal("/rtc?access_token=\(server.token("a"))", key: "short").status == 400)
    }

    @Test func plainGetIs426NamingTheVersion() throws {
        let r = try TestSocket.get(port: server.port, "/rtc")
        #expect(r.status == 426)
        #expect(r.header("Sec-WebSocket-Version") == "13")
        #expect(r.headers.filter { $0.0.lowercased() == "connection" }.count == 1)
    }

    @Test func overlongIdentityIs400() throws {
        #expect(try refusal("/rtc?access_token=\(server.token(String(repeating: "i", count: 256)))").status == 400)
    }

    @Test func tokenProblemsAre401BeforeAnyUpgrade() throws {
        #expect(try refusal("/rtc").status == 401)
        #expect(try refusal("/rtc?access_token=garbage").status == 401)
        let wrongSecret = server.token("a") { $0.secret = "nope" }
        #expect(try refusal("/rtc?access_token=\(wrongSecret)").status == 401)
        let unknownKey = server.token("a") { $0.key = "stranger" }
        #expect(try refusal("/rtc?access_token=\(unknownKey)").status == 401)
        let expired = server.token("a") { $0.expiresIn = -120 }
        let r = try refusal("/rtc?access_token=\(expired)")
        #expect(r.status == 401)
        #expect(r.bodyText.contains("expired"))
        let future = server.token("a") { $0.notBeforeOffset = 3600 }
        #expect(try refusal("/rtc?access_token=\(future)").status == 401)
        // alg: none with the payload of a valid token and no signature.
        let parts = server.token("a").split(separator: ".")
        let none = Base64Url.encode(#"{"alg":"none","typ":"JWT"}"#)
        #expect(try refusal("/rtc?access_token=\(none).\(parts[1]).").status == 401)
        // The same token as a bearer header works too (and a bad one is refused).
        #expect(try refusal("/rtc", headers: "Authorization: Bearer \(wrongSecret)\r\n").status == 401)
    }

    @Test func bearerHeaderIsAccepted() throws {
        let ws = try TestWebSocket(port: server.port, path: "/rtc", extraHeaders: "Authorization: Bearer \(server.token("bearer", room: "bearer"))\r\n")
        let joined = try ws.nextJSON()
        #expect(joined["type"] == "joined")
        #expect(joined["room"]?["name"] == "bearer")
    }

    @Test func missingRoomJoinIs403() throws {
        let t = server.token("a") { $0.grant.roomJoin = false }
        #expect(try refusal("/rtc?access_token=\(t)").status == 403)
    }

    @Test func unknownRoomIs404WhenRoomsAreNotCreatedOnJoin() throws {
        #expect(try refusal("/rtc?access_token=\(server.token("a", room: "elsewhere"))").status == 404)
    }

    @Test func fullRoomIs403() throws {
        let first = try TestWebSocket(port: server.port, token: server.token("one", room: "tiny"))
        #expect(try first.nextJSON()["type"] == "joined")
        let r = try refusal("/rtc?access_token=\(server.token("two", room: "tiny"))")
        #expect(r.status == 403)
        #expect(r.bodyText.contains("full"))
        // An agent does not take a seat.
        let agent = try TestWebSocket(port: server.port, token: server.token("bot", room: "tiny") { $0.kind = "agent" })
        #expect(try agent.nextJSON()["participant"]?["kind"] == "agent")
    }
}

/// One server for the suite: `tiny` is `validateAnswersWhatTheUpgradeWould`'s and `acks` is
/// `publishAckCarriesTheSeq`'s.
@Suite(.sharedServer(config: "auto_create_rooms: false\n", rooms: [
    "tiny.yaml": "name: tiny\nmax_participants: 1\n",
    "acks.yaml": "name: acks\n",
]))
struct ValidateEndpointTests {
    let server: ServerProcess

    init() throws {
        server = try .shared
    }

    @Test func validateAnswersWhatTheUpgradeWould() throws {
        func validate(_ token: String) throws -> TestHTTPResponse {
            try TestSocket.get(port: server.port, "/rtc/validate?access_token=\(token)")
        }
        let ok = try validate(server.token("a", room: "tiny"))
        #expect(ok.status == 200 && ok.bodyText == "success\n")
        #expect(try validate("garbage").status == 401)
        let expired = try validate(server.token("a", room: "tiny") { $0.expiresIn = -120 })
        #expect(expired.status == 401 && expired.bodyText.contains("expired"))
        #expect(try validate(server.token("a", room: "nowhere")).status == 404)
        // Nothing was created by validating: the room is still empty, so one join fits.
        let first = try TestWebSocket(port: server.port, token: server.token("first", room: "tiny"))
        #expect(try first.nextJSON()["type"] == "joined")
        let full = try validate(server.token("second", room: "tiny"))
        #expect(full.status == 403 && full.bodyText.contains("full"))
    }

    @Test func absurdTokenTimesAre401AndTheServerStaysUp() throws {
        for exp in ["1e300", "9223372036854775807"] {
            let header = Base64Url.encode(#"{"alg":"HS256","typ":"JWT"}"#)
            let payload = Base64Url.encode(#"{"iss":"devkey","sub":"x","exp":\#(exp),"video":{"roomJoin":true,"room":"lab"}}"#)
            let signature = Base64Url.signature("\(header).\(payload)", secret: "secret")
            let r = try TestSocket.get(port: server.port, "/rtc/validate?access_token=\(header).\(payload).\(signature)")
            #expect(r.status == 401)
        }
        #expect(try TestSocket.get(port: server.port, "/healthz").status == 200)
    }

    @Test func publishAckCarriesTheSeq() throws {
        let a = try TestWebSocket(port: server.port, token: server.token("a", room: "acks"))
        _ = try a.nextJSON()
        try a.send(json: ["type": "publish", "topic": "t", "payload": 1, "id": "p1"])
        let ack = try a.next(type: "ack")
        #expect(ack["id"] == "p1" && ack["for"] == "publish" && ack["seq"] == 1)
    }
}

enum Base64Url {
    static func encode(_ text: String) -> String {
        encode(Data(text.utf8))
    }

    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// HS256 over `input`, base64url: for hand-made tokens.
    static func signature(_ input: String, secret: String) -> String {
        encode(Data(Digest.hmacSHA256(key: Array(secret.utf8), data: Array(input.utf8))))
    }
}
