import COpenSSL
import Foundation
import Glibc
import TestSupport
import Testing
import WireJSON

/// The suite's `tls.handshake_timeout`, seconds.
private let tlsHandshakeTimeout = 4.0

/// wss:// and https:// on the server's own port (issue 12), from our blocking client, Python
/// `websockets` and curl, each trusting only the test CA. A short handshake timeout and a
/// long header timeout, so a handshake that never ends is closed by the former. Short, not
/// tiny: the timeout counts the silence between a client's handshake records, and every
/// client of the suite (a Python process among them) must get through its handshake on a
/// loaded machine, where a second of silence came about (the server closed Python's
/// handshake half-way).
@Suite(.sharedServer(config: "tls:\n  handshake_timeout: \(tlsHandshakeTimeout)\nlimits:\n  header_timeout: 120\n", arguments: TLSTestFiles.serverArguments))
struct TLSTests: TLSSuite {
    let fixture: TLSSuiteFixture

    init() throws {
        fixture = try TLSSuiteFixture()
    }

    func join(_ identity: String, room: String) throws -> TestWebSocket {
        let ws = try TestWebSocket(port: server.port, token: server.token(identity, room: room), tls: tls)
        #expect(try ws.next(type: "joined")["type"] == "joined")
        return ws
    }

    func ping(_ ws: TestWebSocket, id: Int) throws {
        try ws.send(text: #"{"type":"ping","id":\#(id),"t":1}"#)
        #expect(try ws.next(type: "pong")["id"] == .number(Double(id)))
    }

    @Test func ourClientJoinsAndTalksOverWSS() throws {
        let room = ServerProcess.uniqueRoom("tls")
        let alice = try join("alice", room: room)
        let bob = try join("bob", room: room)
        #expect(alice.socket.tlsVersion == "TLSv1.3")
        #expect(alice.socket.alpn == "http/1.1")
        try ping(alice, id: 1)
        // A 60 KB message (the payload limit is 64 KiB) crosses several 16 KiB TLS records each way.
        let payload = String(repeating: "z", count: 60_000)
        try alice.send(text: #"{"type":"publish","topic":"big","payload":"\#(payload)","id":2}"#)
        let data = try bob.next(type: "data")
        #expect(data["payload"]?.stringValue?.count == 60_000)
    }

    @Test func pythonWebsocketsOverWSS() throws {
        let script = ServerProcess.repositoryRoot.appendingPathComponent("Tests/IntegrationTests/python/tls_client_test.py")
        let (status, output) = try runPython([script.path, String(server.port), files.ca])
        #expect(status == 0, "python TLS client failed:\n\(output)\n--- server log ---\n\(server.log.suffix(3000))")
        #expect(output.contains("all TLS checks passed"))
    }

    @Test func curlOverHTTPS() throws {
        let url = "https://127.0.0.1:\(server.port)/healthz"
        let (status, output) = try runTool("curl", ["-sS", "--cacert", files.ca, "-w", "\n%{http_code} %{http_version}", url])
        #expect(status == 0, "\(output)")
        #expect(output.contains("\"status\":\"ok\""))
        #expect(output.hasSuffix("200 1.1"))
        // Without the CA the certificate is refused (60); TLS 1.1 is refused by the server (35).
        #expect(try runTool("curl", ["-sS", url]).0 == 60)
        #expect(try runTool("curl", ["-sS", "--cacert", files.ca, "--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT:@SECLEVEL=0", url]).0 == 35)
        // Plain HTTP on the TLS port is a failed handshake, not an answer.
        let plain = try TestSocket(port: server.port)
        try plain.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(!String(decoding: plain.readUntilClosed(timeout: 10), as: UTF8.self).contains("HTTP/1.1 200"))
    }

    @Test func aHandshakeThatNeverFinishesTimesOut() throws {
        let started = Date()
        let socket = try TestSocket(port: server.port)
        // The header of a ClientHello record whose body never comes.
        try socket.send([0x16, 0x03, 0x01, 0x02, 0x00])
        _ = socket.readUntilClosed(timeout: 60)
        let elapsed = Date().timeIntervalSince(started)
        #expect(socket.peerClosed, "still open after \(elapsed) s")
        // handshake_timeout (4 s), checked by the one-second sweep, closed it; header_timeout
        // (120 s) would have come far later.
        #expect(elapsed >= tlsHandshakeTimeout - 0.1 && elapsed < 60, "closed after \(elapsed) s")
    }

    @Test func sighupReloadsTheCertificateAndKeepsOpenConnections() throws {
        let room = ServerProcess.uniqueRoom("reload")
        let alice = try join("alice", room: room)
        #expect(alice.socket.peerSubject == "/CN=127.0.0.1")

        // A key that does not match: the reload fails and the old pair stays.
        try files.install(certificate: files.secondCertificate, key: files.strayKey)
        kill(server.process.processIdentifier, SIGHUP)
        try awaitLog("TLS certificate not reloaded")
        #expect(try TestSocket(port: server.port, tls: tls).peerSubject == "/CN=127.0.0.1")

        try files.install(certificate: files.secondCertificate, key: files.secondKey)
        kill(server.process.processIdentifier, SIGHUP)
        try awaitLog("TLS certificate reloaded")
        #expect(try TestSocket(port: server.port, tls: tls).peerSubject == "/CN=reloaded")
        // The connection from before both reloads still works, on its first certificate.
        try ping(alice, id: 9)
        let bob = try join("bob", room: room)
        #expect(bob.socket.peerSubject == "/CN=reloaded")
        #expect(try alice.next(type: "participant_joined")["participant"]?["identity"] == "bob")
    }

    func awaitLog(_ line: String, timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !server.log.contains(line) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(server.log.contains(line), "no '\(line)' in the log")
    }
}

/// Start-up refusals and the dev mode's own certificate with the redirect port: servers of
/// their own.
@Suite(.blocking) struct TLSStartupTests {
    /// Runs `serve` with `arguments`; returns its exit status and the last line it printed.
    func refusal(_ arguments: [String]) throws -> (Int32, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-tls-start-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (status, output) = try runTool(ServerProcess.binary.path, ["serve", "--dev", "--port", "0", "--no-demo-catalog", "--db", "\(directory)/db.sqlite"] + arguments)
        let lines = output.split(separator: "\n").filter { !$0.contains("dev mode") }
        return (status, lines.map(String.init).joined(separator: "\n"))
    }

    @Test func aBadCertificateOrKeyStopsStartUpWithOneLine() throws {
        let files = try #require(TLSTestFiles.shared)
        let cases: [([String], String)] = [
            (["--tls-cert", "/nonexistent/cert.pem", "--tls-key", files.firstKey], "Error: tls.cert: /nonexistent/cert.pem: no such file"),
            (["--tls-cert", files.firstCertificate, "--tls-key", "/nonexistent/key.pem"], "Error: tls.key: /nonexistent/key.pem: no such file"),
            (["--tls-cert", files.expiredCertificate, "--tls-key", "\(files.directory)/expired.key"], "Error: tls.cert: \(files.expiredCertificate): certificate expired on "),
            (["--tls-cert", files.firstCertificate, "--tls-key", files.strayKey], "Error: tls.key: \(files.strayKey) does not match the certificate in \(files.firstCertificate)"),
            (["--tls-cert", "\(files.directory)/san.cnf", "--tls-key", files.firstKey], "Error: tls.cert: \(files.directory)/san.cnf: no usable PEM certificate"),
            (["--tls-cert", files.firstCertificate], "Error: tls.cert is set but tls.key is not (--tls-key)"),
        ]
        for (arguments, expected) in cases {
            let (status, output) = try refusal(arguments)
            #expect(status != 0, "\(arguments) started")
            #expect(!output.contains("\n"), "more than one line: \(output)")
            #expect(output.hasPrefix(expected), "\(arguments): \(output)")
        }
    }

    @Test func devTLSMakesACertificateAndTheRedirectPortAnswers308() throws {
        let redirectPort = FreePort.next()
        let server = try ServerProcess(arguments: ["--dev-tls", "--http-redirect-port", String(redirectPort)])
        let certificate = server.directory.appendingPathComponent("tls/dev-cert.pem").path
        #expect(FileManager.default.fileExists(atPath: certificate))
        let key = try FileManager.default.attributesOfItem(atPath: server.directory.appendingPathComponent("tls/dev-key.pem").path)
        #expect((key[.posixPermissions] as? Int) == 0o600)

        // Trusting the generated certificate alone is enough for 127.0.0.1.
        let ws = try TestWebSocket(port: server.port, token: server.token("dev"), tls: TestTLS(caFile: certificate))
        #expect(try ws.next(type: "joined")["type"] == "joined")
        let (status, output) = try runTool("curl", ["-sS", "--cacert", certificate, "https://127.0.0.1:\(server.port)/healthz"])
        #expect(status == 0 && output.contains("\"status\":\"ok\""), "\(output)")

        let redirect = try TestSocket.request(port: redirectPort, "GET /rtc?access_token=abc HTTP/1.1\r\nHost: 127.0.0.1:\(redirectPort)\r\n\r\n")
        #expect(redirect.status == 308)
        #expect(redirect.header("Location") == "https://127.0.0.1:\(server.port)/rtc?access_token=abc")
        let post = try TestSocket.request(port: redirectPort, "POST /twirp/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}")
        #expect(post.status == 308 && post.header("Location") == "https://localhost:\(server.port)/twirp/x")
        // A Host that is not a plain name falls back to the configured address.
        let odd = try TestSocket.request(port: redirectPort, "GET / HTTP/1.1\r\nHost: a/b@c\r\n\r\n")
        #expect(odd.header("Location") == "https://127.0.0.1:\(server.port)/")
        #expect(server.stop() == 0)
    }
}
