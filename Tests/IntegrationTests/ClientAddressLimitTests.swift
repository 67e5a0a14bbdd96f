import COpenSSL
import Foundation
import Testing

/// Limits per client address (docs/protocol.md#limits-per-client-address), over real
/// sockets: each test connects from its own loopback address (127.0.0.N), so the tests count
/// separately and run side by side.
@Suite(.sharedServer(config: """
    limits:
      max_connections_per_ip: 2
      handshakes_per_second_per_ip: 0.2
      requests_per_second_per_ip: 3
    """))
struct ClientAddressLimitTests {
    let server: ServerProcess

    init() throws {
        server = try .shared
    }

    static let healthz = "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n"

    func get(_ s: TestSocket) throws -> TestHTTPResponse {
        try s.send(Self.healthz)
        return try s.readResponse().0
    }

    /// Connects from `source` until a connection is admitted (a closed connection gives its
    /// place back once the server has seen the close, which the client cannot observe).
    func admitted(from source: String) throws -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let s = try TestSocket(port: server.port, source: source)
            if try get(s).status == 200 { return true }
        }
        return false
    }

    @Test func aThirdConnectionFromOneAddressGets429AndRetryAfterBeforeItAsksAnything() throws {
        let a = try TestSocket(port: server.port, source: "127.0.0.2")
        let b = try TestSocket(port: server.port, source: "127.0.0.2")
        #expect(try get(a).status == 200)
        #expect(try get(b).status == 200)
        // Refused on accept: the answer comes without a request, and the connection ends
        // with a FIN, not a reset.
        let c = try TestSocket(port: server.port, source: "127.0.0.2")
        let (refused, _) = try c.readResponse()
        #expect(refused.status == 429)
        #expect(refused.header("Retry-After") == "1")
        #expect(refused.bodyText.contains("limits.max_connections_per_ip"))
        #expect(c.readUntilClosed(timeout: 10).isEmpty)
        #expect(!c.wasReset)
        // Another address is not affected.
        #expect(try get(try TestSocket(port: server.port, source: "127.0.0.3")).status == 200)
        // A closed connection gives its place back.
        a.shutdownWrite()
        _ = a.readUntilClosed(timeout: 10)
        #expect(try admitted(from: "127.0.0.2"))
    }

    @Test func aWebSocketCountsAgainstItsAddressUntilItCloses() throws {
        let ws = try TestWebSocket(port: server.port, path: "/rtc?access_token=\(server.token("limits-ws", room: ServerProcess.uniqueRoom()))", source: "127.0.0.6")
        _ = try ws.next(type: "joined")
        let http = try TestSocket(port: server.port, source: "127.0.0.6")
        #expect(try get(http).status == 200)
        let third = try TestSocket(port: server.port, source: "127.0.0.6")
        #expect(try third.readResponse().0.status == 429)
        try ws.close()
        _ = try ws.expectClose()
        #expect(try admitted(from: "127.0.0.6"))
    }

    @Test func requestsOverTheRateGet429BeforeAnyWorkAndTheConnectionEnds() throws {
        let s = try TestSocket(port: server.port, source: "127.0.0.4")
        // Four pipelined requests, the last one a POST to an admin method: it is refused
        // before it is looked at (no 401 for its missing token).
        try s.send(String(repeating: Self.healthz, count: 3) + "POST /twirp/livekit.RoomService/ListRooms HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try s.readResponse().0.status) }
        #expect(statuses == [200, 200, 200, 429])
        #expect(s.readUntilClosed(timeout: 10).isEmpty)
        #expect(!s.wasReset)
    }

    @Test func handshakesOverTheRateGet429WithTheSecondsToWait() throws {
        func upgrade() throws -> TestHTTPResponse {
            let s = try TestSocket(port: server.port, source: "127.0.0.5")
            try s.send("GET /rtc?access_token=\(server.token("h-\(UUID().uuidString.prefix(6))", room: ServerProcess.uniqueRoom())) HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(TestWebSocket.sampleKey)\r\nSec-WebSocket-Version: 13\r\n\r\n")
            return try s.readResponse(headOnly: true).0
        }
        #expect(try upgrade().status == 101)
        let refused = try upgrade()
        #expect(refused.status == 429)
        // One handshake per 5 s: the next token is 4 to 5 s away.
        #expect(["4", "5"].contains(refused.header("Retry-After") ?? ""))
        #expect(try server.metric("wavedefect_address_limit_refusals_total").map { $0 >= 1 } == true)
    }
}

/// The global `max_connections`: past it a connection is answered 503 with Retry-After.
@Suite(.sharedServer(config: "limits:\n  max_connections: 4\n"))
struct MaxConnectionsTests {
    let server: ServerProcess

    init() throws {
        server = try .shared
    }

    @Test func pastMaxConnectionsAConnectionGets503AndRetryAfter() throws {
        var held: [TestSocket] = []
        // Fill the server up (the harness's own probes may hold a place for a moment, so
        // open until refused rather than exactly four).
        var refused: TestHTTPResponse?
        for _ in 0..<8 {
            let s = try TestSocket(port: server.port)
            try s.send(ClientAddressLimitTests.healthz)
            let (r, _) = try s.readResponse()
            if r.status == 503 {
                refused = r
                #expect(s.readUntilClosed(timeout: 10).isEmpty)
                break
            }
            #expect(r.status == 200)
            held.append(s)
        }
        #expect(held.count >= 3)
        #expect(refused?.header("Retry-After") == "1")
        #expect(refused?.bodyText.contains("limits.max_connections") == true)
        held.removeAll()
    }
}

/// The per-address 429 and the `max_connections` 503 over TLS: the refusal is decided on
/// accept, before the handshake, and must still reach a `wss://`/`https://` client as an
/// HTTP answer inside the TLS session (then `close_notify` and a FIN), not as a connection
/// that ends after the handshake. The server is the test CA's; the tests run one at a time
/// because the 503 test fills the whole server.
@Suite(.serialized, .sharedServer(
    config: "limits:\n  max_connections: 6\n  max_connections_per_ip: 1\n",
    arguments: TLSTestFiles.firstPairServerArguments))
struct TLSRefusalTests: TLSSuite {
    let fixture: TLSSuiteFixture

    init() throws {
        fixture = try TLSSuiteFixture()
    }

    /// Reads the unasked-for refusal, then expects the session to end with close_notify.
    func expectRefusal(_ socket: TestSocket, status: Int, naming limit: String) throws {
        let (refused, _) = try socket.readResponse()
        #expect(refused.status == status)
        #expect(refused.header("Retry-After") != nil)
        #expect(refused.bodyText.contains(limit))
        #expect(socket.readUntilClosed(timeout: 10).isEmpty)
        #expect(!socket.wasReset)
        #expect(socket.ssl.map { SSL_get_shutdown($0) & Int32(SSL_RECEIVED_SHUTDOWN) != 0 } == true, "no close_notify")
    }

    @Test func aSecondConnectionFromOneAddressGets429InsideTheTLSSession() throws {
        let first = try TestSocket(port: server.port, tls: tls, source: "127.0.0.31")
        try first.send(ClientAddressLimitTests.healthz)
        #expect(try first.readResponse().0.status == 200)
        let second = try TestSocket(port: server.port, tls: tls, source: "127.0.0.31")
        try expectRefusal(second, status: 429, naming: "limits.max_connections_per_ip")
        // A wss:// client sees the 429 as the answer to its upgrade.
        do {
            _ = try TestWebSocket(port: server.port, path: "/rtc?access_token=\(server.token("tls-429"))", tls: tls, source: "127.0.0.31")
            Issue.record("the upgrade was accepted")
        } catch let refusal as TestWebSocket.UpgradeRefused {
            #expect(refusal.response.status == 429)
        }
        // curl over https from that address: the 429 is its answer, and the transfer is clean.
        let (status, output) = try runTool("curl", [
            "-sS", "--cacert", files.ca, "--interface", "127.0.0.31", "-o", "/dev/null", "-w", "%{http_code}",
            "https://127.0.0.1:\(server.port)/healthz",
        ])
        #expect(status == 0, "\(output)")
        #expect(output == "429")
        withExtendedLifetime(first) {}
    }

    @Test func pastMaxConnectionsAConnectionGets503InsideTheTLSSession() throws {
        var held: [TestSocket] = []
        var refusal: TestSocket?
        // One address per connection, so only the global limit applies.
        for i in 0..<12 {
            let s = try TestSocket(port: server.port, tls: tls, source: "127.0.0.\(40 + i)")
            try s.send(ClientAddressLimitTests.healthz)
            let (r, _) = try s.readResponse()
            if r.status == 503 {
                #expect(r.header("Retry-After") == "1")
                #expect(r.bodyText.contains("limits.max_connections"))
                refusal = s
                break
            }
            #expect(r.status == 200)
            held.append(s)
        }
        let refused = try #require(refusal, "never refused")
        #expect(refused.readUntilClosed(timeout: 10).isEmpty)
        #expect(!refused.wasReset)
        #expect(refused.ssl.map { SSL_get_shutdown($0) & Int32(SSL_RECEIVED_SHUTDOWN) != 0 } == true, "no close_notify")
        #expect(held.count >= 4)
        held.removeAll()
    }
}
