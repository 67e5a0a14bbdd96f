import Foundation
import Glibc
import Testing
import WebSocketCore

/// The close frame reaches a peer that is still sending (issue 12): the server shuts its
/// write side after the frame and drains the rest, so the peer reads the code instead of a
/// reset. Each test streams megabytes from one thread while the test reads the close code
/// from the socket on another, as an independent client would. Default limits (1 MiB); a
/// long `close_timeout`, so that a loaded machine streaming the megabytes slowly still ends
/// the handshake by the peer's close, not by the deadline.
@Suite(.sharedServer(config: "limits:\n  close_timeout: 120\n"))
struct CloseHandshakeTests {
    let server: ServerProcess
    let room = ServerProcess.uniqueRoom("close")

    init() throws {
        server = try .shared
    }

    /// Sends `chunks` (each `chunk` repeated `count` times) on its own thread; the result is
    /// the send error, if any (a reset shows up here as EPIPE or ECONNRESET).
    final class Streamer: @unchecked Sendable {
        private let lock = NSLock()
        private var sent = 0
        private var failure: String?
        private let done = DispatchSemaphore(value: 0)

        init(_ socket: TestSocket, first: [UInt8], chunk: [UInt8], count: Int) {
            // The descriptor only: the test keeps reading through the socket meanwhile.
            let fd = socket.fd
            Thread.detachNewThread { [self] in
                do {
                    try Self.send(fd, first)
                    for _ in 0..<count {
                        try Self.send(fd, chunk)
                        lock.withLock { sent += chunk.count }
                    }
                } catch {
                    lock.withLock { failure = "\(error)" }
                }
                done.signal()
            }
        }

        struct SendFailed: Error, CustomStringConvertible {
            let errno: Int32
            var description: String { "send: \(String(cString: strerror(errno)))" }
        }

        private static func send(_ fd: Int32, _ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SendFailed(errno: errno)
                }
                offset += n
            }
        }

        var bytesSent: Int { lock.withLock { sent } }

        /// Waits for the thread; returns its error, or nil when every byte went out.
        func finish(timeout: Double = 30) -> String? {
            guard done.wait(timeout: .now() + timeout) == .success else { return "still sending after \(timeout) s" }
            return lock.withLock { failure }
        }
    }

    func join(_ identity: String) throws -> TestWebSocket {
        let ws = try TestWebSocket(port: server.port, token: server.token(identity, room: room))
        #expect(try ws.nextJSON()["type"] == "joined")
        return ws
    }

    /// The server's close frame, skipping messages and pings: pings are not answered, since a
    /// pong would interleave with the streaming thread's bytes.
    static func closeFrame(_ ws: TestWebSocket) throws -> TestWebSocket.Received {
        while true {
            let frame = try ws.next(includePings: true)
            switch frame {
            case .close, .disconnected: return frame
            default: continue
            }
        }
    }

    /// After the close frame: an orderly end of stream (FIN), never a reset.
    func expectOrderlyEnd(_ ws: TestWebSocket, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try ws.next(includePings: true) == .disconnected, sourceLocation: sourceLocation)
        #expect(!ws.socket.wasReset, "the server reset the connection", sourceLocation: sourceLocation)
    }

    @Test func a17MiBFrameGets1009WhileThePeerIsStillSendingIt() throws {
        let ws = try join("big-frame")
        let size = 17 << 20
        // The header of one masked 17 MiB binary frame, then its payload in 1 MiB writes.
        var header: [UInt8] = [0x82, 0x80 | 127]
        for i in (0..<8).reversed() { header.append(UInt8(truncatingIfNeeded: UInt64(size) >> (8 * UInt64(i)))) }
        header += [1, 2, 3, 4]
        let streamer = Streamer(ws.socket, first: header, chunk: [UInt8](repeating: 0x41, count: 1 << 20), count: 17)
        #expect(try Self.closeFrame(ws) == .close(1009, "frame larger than 1048576 bytes"))
        #expect(streamer.finish() == nil)
        #expect(streamer.bytesSent == size)
        try expectOrderlyEnd(ws)
    }

    @Test func fortyOneMiBFragmentsGet1009WhileThePeerKeepsSending() throws {
        let ws = try join("fragments")
        let payload = [UInt8](repeating: 0x20, count: 1 << 20)
        let first = WebSocketFrameEncoder.frame(.text, payload: payload, fin: false, maskKey: 7)
        let next = WebSocketFrameEncoder.frame(.continuation, payload: payload, fin: false, maskKey: 7)
        let streamer = Streamer(ws.socket, first: first, chunk: next, count: 39)
        #expect(try Self.closeFrame(ws) == .close(1009, "message larger than 1048576 bytes"))
        #expect(streamer.finish() == nil)
        try expectOrderlyEnd(ws)
    }

    @Test func aPolicyCloseReachesAPeerThatIsPublishing() throws {
        let ws = try join("dup")
        // Publications nobody receives, 60 KB each, about 12 MB in all.
        let publish = WebSocketFrameEncoder.frame(.text, payload: Array(#"{"type":"publish","topic":"t","payload":"\#(String(repeating: "x", count: 60_000))"}"#.utf8), maskKey: 9)
        let streamer = Streamer(ws.socket, first: [], chunk: publish, count: 200)
        while streamer.bytesSent < 1 << 20 { Thread.sleep(forTimeInterval: 0.002) }
        // The same identity joins elsewhere: the first connection is closed with 4000.
        let replacement = try join("dup")
        #expect(try Self.closeFrame(ws) == .close(4000, "another connection joined as dup"))
        #expect(streamer.finish() == nil)
        try expectOrderlyEnd(ws)
        try replacement.close()
    }

    @Test func aProtocolErrorWithMoreQueuedFramesStillAnswers1002() throws {
        let ws = try join("unmasked")
        // An unmasked frame, then 8 MiB of well-formed frames the server must drain unread.
        let streamer = Streamer(ws.socket, first: [0x81, 0x02, 0x7B, 0x7D], chunk: WebSocketFrameEncoder.frame(.binary, payload: [UInt8](repeating: 1, count: 1 << 20), maskKey: 5), count: 8)
        #expect(try Self.closeFrame(ws) == .close(1002, "client frames must be masked"))
        #expect(streamer.finish() == nil)
        try expectOrderlyEnd(ws)
    }
}

@Suite(.blocking) struct ShutdownCloseTests {
    @Test func shutdownSends1001ToAPeerThatIsStillSending() throws {
        let server = try ServerProcess()
        let ws = try TestWebSocket(port: server.port, token: server.token("busy"))
        #expect(try ws.nextJSON()["type"] == "joined")
        let publish = WebSocketFrameEncoder.frame(.text, payload: Array(#"{"type":"publish","topic":"t","payload":"\#(String(repeating: "y", count: 60_000))"}"#.utf8), maskKey: 9)
        let streamer = CloseHandshakeTests.Streamer(ws.socket, first: [], chunk: publish, count: 100)
        while streamer.bytesSent < 1 << 20 { Thread.sleep(forTimeInterval: 0.002) }
        let stopping = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            server.stop()
            stopping.signal()
        }
        let frame = try CloseHandshakeTests.closeFrame(ws)
        #expect(frame == .close(1001, "server shutting down"))
        #expect(streamer.finish() == nil)
        #expect(try ws.next(includePings: true) == .disconnected)
        #expect(!ws.socket.wasReset)
        ws.socket.shutdownWrite()
        stopping.wait()
        #expect(server.process.terminationStatus == 0)
        if frame != .close(1001, "server shutting down") { Issue.record("server log:\n\(server.log.suffix(4000))") }
    }
}
