import EventLoop
import Foundation
import Testing
import TLSCore

/// TLS carried by `TCPConnection` on a real loop: both ends on one loop over loopback.
@Suite struct TLSOnLoopTests {
    /// Collects what it reads; can pause after each read and resume on a timer, the way the
    /// server pauses a connection whose answers are not read.
    final class Collector: TCPConnectionHandler {
        var received: [UInt8] = []
        var closed = false
        var pauses = 0
        var pauseAfterEachRead = false
        var resume: LoopTimer?

        func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
            received += bytes
            guard pauseAfterEachRead else { return }
            pauses += 1
            connection.stopReading()
            if resume == nil { resume = LoopTimer(loop: connection.loop) { connection.startReading() } }
            resume?.start(afterMilliseconds: 1)
        }

        func connectionDidClose(_ connection: TCPConnection) {
            closed = true
            resume = nil
        }
    }

    struct Pair {
        let loop: EventLoop
        let listener: TCPListener
        let server: Collector
        var serverConnection: TCPConnection?
        var client: TCPConnection?
    }

    static func files() throws -> (String, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-tlsloop-\(UUID().uuidString.prefix(8))").path
        try SelfSignedCertificate.write(certificate: "\(directory)/c.pem", key: "\(directory)/k.pem", days: 2)
        return ("\(directory)/c.pem", "\(directory)/k.pem")
    }

    @Test func pausedReadingResumesWithWhatTheSessionStillHolds() throws {
        let (cert, key) = try Self.files()
        let loop = try EventLoop()
        defer { loop.close() }
        let serverContext = try TLSContext.server(certificate: cert, key: key)
        let server = Collector()
        server.pauseAfterEachRead = true
        var accepted: TCPConnection?
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { tcp in
            tcp.startTLS(try! TLSConnection(context: serverContext))
            tcp.handler = server
            accepted = tcp
        }
        defer { listener.close() }

        let clientHandler = Collector()
        var client: TCPConnection?
        TCPConnection.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
            guard case .success(let tcp) = result else { return }
            tcp.handler = clientHandler
            tcp.startTLS(try! TLSConnection(context: try! TLSContext.client(caFile: cert), serverName: "127.0.0.1"))
            client = tcp
        }
        #expect(runLoop(loop) { client != nil })
        // Written before the handshake ends: held, then sent once it does, in order.
        let message = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        for start in stride(from: 0, to: message.count, by: 50_000) {
            client?.write(Array(message[start..<min(start + 50_000, message.count)]))
        }
        #expect(runLoop(loop) { server.received.count == message.count })
        #expect(server.received == message)
        #expect(server.pauses > 1)
        #expect(client?.bufferedBytes == 0)

        // The server's last answer and close_notify, then the close: the client reads all.
        accepted?.write(Array("bye".utf8))
        accepted?.closeAfterFlush()
        #expect(runLoop(loop) { clientHandler.closed && server.closed })
        #expect(clientHandler.received == Array("bye".utf8))
        #expect(client?.tls?.failure == nil)
    }

    @Test func aClientThatDoesNotTrustTheServerFailsAndCloses() throws {
        let (cert, key) = try Self.files()
        let (other, _) = try Self.files()
        let loop = try EventLoop()
        defer { loop.close() }
        let serverContext = try TLSContext.server(certificate: cert, key: key)
        let server = Collector()
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { tcp in
            tcp.startTLS(try! TLSConnection(context: serverContext))
            tcp.handler = server
        }
        defer { listener.close() }
        let clientHandler = Collector()
        var client: TCPConnection?
        TCPConnection.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
            guard case .success(let tcp) = result else { return }
            tcp.handler = clientHandler
            tcp.startTLS(try! TLSConnection(context: try! TLSContext.client(caFile: other), serverName: "127.0.0.1"))
            tcp.write(Array("never sent".utf8))
            client = tcp
        }
        #expect(runLoop(loop) { clientHandler.closed && server.closed })
        #expect(client?.tls?.failure?.message.hasPrefix("TLS handshake failed") == true)
        #expect(server.received.isEmpty)
    }
}
