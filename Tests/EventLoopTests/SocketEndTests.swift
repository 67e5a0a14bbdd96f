import EventLoop
import Glibc
import Testing

/// How a connection's socket ends, now that the loop reads it itself (a `uv_poll_t`, not a
/// libuv stream): what the peer sent before it went away reaches the handler first, as
/// libuv's stream reader delivered it.
@Suite struct SocketEndTests {
    /// A peer that sends and then resets (SO_LINGER 0, or a close with unread input) makes
    /// epoll report input, error and hang-up at once; libuv's poll handle reports the error
    /// alone. The bytes are still in the socket (a WebSocket close frame, say, which tells a
    /// deliberate leave from a dropped connection) and must be read before the close.
    @Test func bytesSentBeforeAResetAreReadBeforeTheConnectionCloses() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let sink = EndRecorder()
        var accepted: TCPConnection?
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { tcp in
            tcp.handler = sink
            accepted = tcp
        }
        defer { listener.close() }
        let peer = try #require(Self.blockingConnect(port: listener.port))
        #expect(runLoop(loop) { accepted != nil })
        // The loop is not running while the peer sends and resets: the server sees both at once.
        let hello = Array("hello".utf8)
        #expect(send(peer, hello, hello.count, 0) == hello.count)
        var reset = linger(l_onoff: 1, l_linger: 0)
        #expect(setsockopt(peer, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size)) == 0)
        Glibc.close(peer)
        #expect(runLoop(loop) { sink.closed })
        #expect(sink.received == hello, "read before the close: \(sink.received)")
        #expect(sink.readBeforeClose)
    }

    /// A plain blocking client socket connected to the loop's listener (the kernel completes
    /// the handshake from the listen backlog while the loop is not running).
    static func blockingConnect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            Glibc.close(fd)
            return nil
        }
        return fd
    }
}

private final class EndRecorder: TCPConnectionHandler {
    var received: [UInt8] = []
    var closed = false
    var readBeforeClose = false

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
        received.append(contentsOf: bytes)
        readBeforeClose = !closed
    }

    func connectionDidClose(_ connection: TCPConnection) {
        closed = true
    }
}
