import EventLoop
import HTTPCore

/// A tiny HTTP/1.1 server on the test's own loop, so the client under test and its peer share
/// one thread and no test depends on another process.
final class LoopHTTPServer {
    enum Reply {
        case respond(HTTPResponse)
        /// Raw bytes, then the connection closes (malformed or truncated responses).
        case raw([UInt8])
        /// Never answer (timeouts).
        case hang
        /// Close the connection without a response.
        case close
    }

    private let listener: TCPListener
    var handler: (HTTPRequest) -> Reply
    private(set) var requests: [HTTPRequest] = []
    private(set) var acceptedConnections = 0
    fileprivate var connections: [LoopHTTPServerConnection] = []

    init(loop: EventLoop, handler: @escaping (HTTPRequest) -> Reply = { _ in .respond(HTTPResponse(status: .ok)) }) throws {
        self.handler = handler
        var accept: ((TCPConnection) -> Void)?
        listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { tcp in accept?(tcp) }
        accept = { [unowned self] tcp in
            let connection = LoopHTTPServerConnection(server: self, tcp: tcp)
            tcp.handler = connection
            self.connections.append(connection)
            self.acceptedConnections += 1
        }
    }

    var port: Int { listener.port }
    var url: String { "http://127.0.0.1:\(port)" }

    fileprivate func handle(_ request: HTTPRequest, on connection: LoopHTTPServerConnection) {
        requests.append(request)
        switch handler(request) {
        case .respond(let response):
            connection.tcp.write(response.serialized(keepAlive: request.keepAlive, includeBody: request.method != "HEAD"))
            if !request.keepAlive { connection.tcp.closeAfterFlush() }
        case .raw(let bytes):
            connection.tcp.write(bytes)
            connection.tcp.closeAfterFlush()
        case .hang:
            break
        case .close:
            connection.tcp.close()
        }
    }

    fileprivate func closed(_ connection: LoopHTTPServerConnection) {
        connections.removeAll { $0 === connection }
    }

    func close() {
        listener.close()
        for c in connections { c.tcp.close() }
    }
}

private final class LoopHTTPServerConnection: TCPConnectionHandler {
    unowned let server: LoopHTTPServer
    let tcp: TCPConnection
    private var parser = HTTPRequestParser(limits: HTTPLimits(maxBodyBytes: 8 << 20))

    init(server: LoopHTTPServer, tcp: TCPConnection) {
        self.server = server
        self.tcp = tcp
    }

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            do {
                let result = try parser.parse(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                offset += result.consumed
                if let request = result.request {
                    server.handle(request, on: self)
                } else if result.consumed == 0 {
                    return
                }
            } catch {
                tcp.close()
                return
            }
        }
    }

    func connectionDidClose(_ connection: TCPConnection) {
        server.closed(self)
    }
}
