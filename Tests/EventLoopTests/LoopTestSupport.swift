import EventLoop
import HTTPClient
import HTTPCore
import SystemClock

/// Runs `loop` until `done()` holds or `timeout` seconds pass; returns whether it held. A
/// short repeating timer keeps the loop turning so `done()` is checked even when nothing
/// happens (the timeout is only a safety net: tests wait for events, not for time).
@discardableResult
func runLoop(_ loop: EventLoop, timeout: Double = 10, until done: () -> Bool) -> Bool {
    let tick = LoopTimer(loop: loop) {}
    tick.start(afterMilliseconds: 5, repeatMilliseconds: 5)
    defer { tick.stop() }
    let deadline = SystemClock.monotonicNanoseconds + UInt64(timeout * 1e9)
    while !done() {
        if SystemClock.monotonicNanoseconds >= deadline { return false }
        loop.runOnce(block: true)
    }
    return true
}

/// A listener on a loopback port and a client connected to it, for tests of what one
/// connection writes: the bytes the accepted side reads go to `sink`, the client's reads are
/// dropped. Returns once both ends are up (nil if they never were); the caller closes them.
func connectedPair(loop: EventLoop, sink: some TCPConnectionHandler) throws -> (listener: TCPListener, client: TCPConnection, accepted: TCPConnection)? {
    var accepted: TCPConnection?
    let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { tcp in
        tcp.handler = sink
        accepted = tcp
    }
    var client: TCPConnection?
    TCPConnection.connect(loop: loop, host: "127.0.0.1", port: listener.port) { result in
        client = try? result.get()
        client?.handler = ByteSink()
    }
    guard runLoop(loop, until: { client != nil && accepted != nil }), let client, let accepted else {
        listener.close()
        return nil
    }
    return (listener, client, accepted)
}

/// A loop, a client and a server for one test, torn down in order.
final class ClientFixture {
    let loop: EventLoop
    let client: CurlMulti
    let server: LoopHTTPServer

    init(configuration: CurlMulti.Configuration = CurlMulti.Configuration(), handler: @escaping (HTTPRequest) -> LoopHTTPServer.Reply) throws {
        loop = try EventLoop()
        client = try CurlMulti(loop: loop, configuration: configuration)
        server = try LoopHTTPServer(loop: loop, handler: handler)
    }

    /// Performs one request and runs the loop until it completes.
    func fetch(_ request: HTTPClientRequest, timeout: Double = 10) -> Result<HTTPClientResponse, HTTPClientError>? {
        var result: Result<HTTPClientResponse, HTTPClientError>?
        client.perform(request) { result = $0 }
        runLoop(loop, timeout: timeout) { result != nil }
        return result
    }

    func url(_ path: String) -> String { server.url + path }

    deinit {
        client.close()
        server.close()
        for _ in 0..<10 { loop.runOnce() }
        loop.close()
    }
}
