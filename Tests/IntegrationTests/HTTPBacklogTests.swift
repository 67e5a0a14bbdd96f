import Foundation
import Glibc
import Testing

/// HTTP answers count against `max_buffered_bytes` (issue 12): a client that pipelines
/// requests without reading the answers makes the server stop reading it, not buffer
/// gigabytes; a client that reads gets every answer.
@Suite(.sharedServer(config: "limits:\n  max_buffered_bytes: 1048576\n"))
struct HTTPBacklogTests {
    let server: ServerProcess

    init() throws {
        server = try .shared
    }

    static func residentBytes(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test func aPipeliningClientThatNeverReadsIsStoppedNotBuffered() throws {
        let socket = try TestSocket(port: server.port)
        let request = Array("GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        let batch = Array([[UInt8]](repeating: request, count: 1000).joined())
        let before = Self.residentBytes(server.process.processIdentifier)
        // 30,000 requests (about 380 MB of answers unbounded), sent without blocking for as
        // long as the server keeps taking them.
        _ = fcntl(socket.fd, F_SETFL, fcntl(socket.fd, F_GETFL) | O_NONBLOCK)
        var sent = 0
        let deadline = Date().addingTimeInterval(5)
        while sent < 30 * batch.count && Date() < deadline {
            let n = batch.withUnsafeBytes { Glibc.send(socket.fd, $0.baseAddress! + sent % batch.count, batch.count - sent % batch.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n } else { Thread.sleep(forTimeInterval: 0.01) }
        }
        // Whatever it read has been answered into its queue by now.
        _ = try TestSocket.get(port: server.port, "/healthz")
        let growth = Self.residentBytes(server.process.processIdentifier) - before
        // Unbounded, the answers to what the kernel's buffers let through (all 30,000 here)
        // would take some 380 MB.
        #expect(growth < 64 << 20, "RSS grew by \(growth >> 20) MiB for \(sent / request.count) requests")
    }

    @Test func aPipeliningClientThatReadsGetsEveryAnswer() throws {
        let socket = try TestSocket(port: server.port)
        let count = 3000
        let request = Array("GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        let streamer = CloseHandshakeTests.Streamer(socket, first: [], chunk: Array([[UInt8]](repeating: request, count: count).joined()), count: 1)
        var answers = 0
        while answers < count {
            let (response, _) = try socket.readResponse()
            #expect(response.status == 200)
            answers += 1
        }
        #expect(streamer.finish() == nil)
    }
}
