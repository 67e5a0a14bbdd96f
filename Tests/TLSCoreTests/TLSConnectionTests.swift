import Foundation
import Testing
import TLSCore

/// The TLS state machine with no socket: a client and a server session pump bytes into each
/// other's memory BIOs. Certificates are made with `SelfSignedCertificate` in a temporary
/// directory.
@Suite struct TLSConnectionTests {
    let directory: String
    let certificate: String
    let key: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-tlscore-\(UUID().uuidString.prefix(8))").path
        certificate = "\(directory)/cert.pem"
        key = "\(directory)/key.pem"
        try SelfSignedCertificate.write(certificate: certificate, key: key, days: 2)
    }

    /// Moves every pending record from `from` to `to` and lets `to` decrypt; returns the
    /// plaintext `to` handed out and its last result.
    @discardableResult
    static func pump(_ from: TLSConnection, to: TLSConnection, into plaintext: inout [UInt8]) -> TLSConnection.ReadResult {
        if let records = from.takeOutput() { to.feed(records.bytes) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let result = buffer.withUnsafeMutableBytes { to.read(into: $0) }
            guard case .bytes(let n) = result else { return result }
            plaintext += buffer[0..<n]
        }
    }

    /// Runs the handshake to its end (or to a failure) and returns both sides.
    func handshake(client clientContext: TLSContext, name: String = "127.0.0.1") throws -> (TLSConnection, TLSConnection, TLSConnection.ReadResult) {
        let server = try TLSConnection(context: TLSContext.server(certificate: certificate, key: key))
        let client = try TLSConnection(context: clientContext, serverName: name)
        client.startHandshake()
        var ignored: [UInt8] = []
        var last = TLSConnection.ReadResult.needMore
        for _ in 0..<6 where !(client.isHandshakeComplete && server.isHandshakeComplete) {
            last = Self.pump(client, to: server, into: &ignored)
            if case .failed = last { return (client, server, last) }
            last = Self.pump(server, to: client, into: &ignored)
            if case .failed = last { return (client, server, last) }
        }
        return (client, server, last)
    }

    @Test func aClientThatTrustsTheCertificateCompletesTheHandshakeAndDataFlowsBothWays() throws {
        let (client, server, _) = try handshake(client: .client(caFile: certificate))
        #expect(client.isHandshakeComplete && server.isHandshakeComplete)
        #expect(client.protocolVersion == "TLSv1.3")
        #expect(server.negotiatedProtocol == "http/1.1" && client.negotiatedProtocol == "http/1.1")

        // 100 KB crosses several 16 KiB records, and arrives whole and in order.
        let message = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        message.withUnsafeBytes { #expect(client.write($0)) }
        var received: [UInt8] = []
        #expect(Self.pump(client, to: server, into: &received) == .needMore)
        #expect(received == message)

        Array("pong".utf8).withUnsafeBytes { #expect(server.write($0)) }
        var answer: [UInt8] = []
        Self.pump(server, to: client, into: &answer)
        #expect(answer == Array("pong".utf8))

        // close_notify reads as the end of the stream.
        client.close()
        var none: [UInt8] = []
        #expect(Self.pump(client, to: server, into: &none) == .closed)
    }

    @Test func theServerNameIsChecked() throws {
        let (client, _, result) = try handshake(client: .client(caFile: certificate), name: "example.com")
        #expect(!client.isHandshakeComplete)
        guard case .failed(let error) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(error.message.hasPrefix("TLS handshake failed"))
    }

    @Test func anUntrustedCertificateFailsTheClientsHandshake() throws {
        let other = "\(directory)/other.pem"
        try SelfSignedCertificate.write(certificate: other, key: "\(directory)/other.key", days: 2)
        let (client, _, result) = try handshake(client: .client(caFile: other))
        #expect(!client.isHandshakeComplete)
        #expect(result == .failed(client.failure!))
        #expect(client.failure?.message.contains("self-signed certificate") == true, "\(String(describing: client.failure))")
    }

    @Test func garbageInsteadOfAClientHelloFailsTheServerSession() throws {
        let server = try TLSConnection(context: TLSContext.server(certificate: certificate, key: key))
        Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes { server.feed($0) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let result = buffer.withUnsafeMutableBytes { server.read(into: $0) }
        guard case .failed(let error) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(error.message.hasPrefix("TLS handshake failed"))
        // The session stays failed: nothing more is decrypted.
        #expect(buffer.withUnsafeMutableBytes { server.read(into: $0) } == .failed(error))
    }

    @Test func plaintextWrittenBeforeTheHandshakeEndsIsRefusedNotLost() throws {
        let client = try TLSConnection(context: .client(caFile: certificate), serverName: "127.0.0.1")
        client.startHandshake()
        // The socket layer holds plaintext until the handshake completes; the session itself
        // takes none before (write returns true and encrypts nothing).
        let before = client.pendingOutput
        Array("early".utf8).withUnsafeBytes { #expect(client.write($0)) }
        #expect(client.pendingOutput == before)
    }

    @Test func startUpErrorsNameTheFileAndTheReason() throws {
        #expect(throws: TLSError.missingFile("tls.cert", "/nonexistent.pem")) { try TLSContext.server(certificate: "/nonexistent.pem", key: key) }
        #expect(throws: TLSError.missingFile("tls.key", "/nonexistent.key")) { try TLSContext.server(certificate: certificate, key: "/nonexistent.key") }

        let otherKey = "\(directory)/k2.pem"
        try SelfSignedCertificate.write(certificate: "\(directory)/c2.pem", key: otherKey, days: 2)
        #expect(throws: TLSError.keyMismatch(key: otherKey, certificate: certificate)) { try TLSContext.server(certificate: certificate, key: otherKey) }

        let expired = "\(directory)/expired.pem"
        try SelfSignedCertificate.write(certificate: expired, key: "\(directory)/expired.key", days: -1)
        do {
            _ = try TLSContext.server(certificate: expired, key: "\(directory)/expired.key")
            Issue.record("an expired certificate loaded")
        } catch {
            #expect(error.message.hasPrefix("tls.cert: \(expired): certificate expired on "), "\(error)")
            #expect(error.message.hasSuffix(" UTC"))
        }

        do {
            _ = try TLSContext.server(certificate: key, key: key)
            Issue.record("a key loaded as a certificate")
        } catch {
            #expect(error.message.hasPrefix("tls.cert: \(key): no usable PEM certificate"), "\(error)")
        }
    }

    @Test func theDevCertificateIsKeptWhileValidAndRemadeWhenNot() throws {
        let cert = "\(directory)/dev/tls/dev-cert.pem"
        let devKey = "\(directory)/dev/tls/dev-key.pem"
        #expect(try SelfSignedCertificate.ensure(certificate: cert, key: devKey))
        #expect(try !SelfSignedCertificate.ensure(certificate: cert, key: devKey))
        let mode = try FileManager.default.attributesOfItem(atPath: devKey)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // Expiring within a day: made again.
        try SelfSignedCertificate.write(certificate: cert, key: devKey, days: 0)
        #expect(try SelfSignedCertificate.ensure(certificate: cert, key: devKey))
        #expect(try TLSContext.server(certificate: cert, key: devKey).certificate?.subject.contains("CN=127.0.0.1") == true)
    }
}
