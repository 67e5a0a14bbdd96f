import ByteStorage
import EventLoop
import HTTPCore
import SystemClock

/// A TCP connection in its HTTP phase: parses requests (keep-alive, pipelining), routes them,
/// and on a successful `/rtc` upgrade hands the socket to a `WebSocketSession`.
final class ClientConnection: TCPConnectionHandler, ServerConnection {
    unowned let server: WaveDefectServer
    let tcp: TCPConnection
    var registryIndex = -1
    private var parser: HTTPRequestParser
    private var lastActivity: UInt64
    /// When the request now arriving started; the header timeout runs from here.
    private var requestStartedAt: UInt64?
    private var servedRequests = 0
    private var handedOff = false
    /// A response is being produced off the loop (computed on the thread pool, or a file sent
    /// chunk by chunk): bytes of later requests wait in `heldInput`, so responses go out in
    /// request order even when a client pipelines.
    private(set) var isResponding = false
    private var heldInput: [UInt8] = []

    init(server: WaveDefectServer, tcp: TCPConnection, now: UInt64) {
        self.server = server
        self.tcp = tcp
        parser = HTTPRequestParser(limits: server.configuration.limits.http)
        lastActivity = now
    }

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
        if isResponding { return hold(UnsafeRawBufferPointer(bytes)) }
        let now = server.loop.turnStart
        lastActivity = now
        var offset = 0
        while offset < bytes.count && !handedOff && !tcp.isClosing {
            if isResponding { return hold(UnsafeRawBufferPointer(rebasing: bytes[offset...])) }
            let rest = UnsafeMutableRawBufferPointer(rebasing: bytes[offset...])
            let result: HTTPRequestParser.Result
            do {
                result = try parser.parse(UnsafeRawBufferPointer(rest))
            } catch {
                server.logger.debug("bad HTTP request", metadata: ["peer": "\(tcp.peerAddress)", "error": "\(error)"])
                respond(TwirpRouter.parseErrorResponse(error, path: parser.pathOfPartialRequest) ?? HTTPResponse.text(error.status, error.message), keepAlive: false)
                return
            }
            offset += result.consumed
            if result.expectsContinue {
                tcp.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
            }
            guard let request = result.request else {
                if parser.hasPartialRequest && requestStartedAt == nil { requestStartedAt = now }
                if result.consumed == 0 { break }
                continue
            }
            requestStartedAt = nil
            servedRequests += 1
            let leftover = UnsafeMutableRawBufferPointer(rebasing: bytes[offset...])
            HTTPRouter.route(request, on: self, leftover: leftover)
        }
    }

    /// Keeps bytes that arrived while a response is in progress; more than one request head's
    /// worth means the client is not waiting for answers, and it is closed.
    private func hold(_ bytes: UnsafeRawBufferPointer) {
        guard heldInput.count + bytes.count <= server.configuration.limits.http.maxHeadBytes + server.configuration.limits.http.maxBodyBytes else {
            return tcp.close()
        }
        heldInput.append(contentsOf: bytes)
    }

    /// Marks the start of a response that `finishResponse()` will end; until then later
    /// requests wait.
    func beginResponse() {
        isResponding = true
        lastActivity = SystemClock.monotonicNanoseconds
    }

    /// Notes progress of a response in progress (a chunk written), which keeps the stall
    /// timeout from closing it.
    func responseProgressed() {
        lastActivity = SystemClock.monotonicNanoseconds
    }

    /// Ends the response begun with `beginResponse()` and serves requests that waited.
    func finishResponse() {
        guard isResponding else { return }
        isResponding = false
        lastActivity = SystemClock.monotonicNanoseconds
        guard !heldInput.isEmpty, !tcp.isClosing else { return }
        var held = heldInput
        heldInput = []
        held.withUnsafeMutableBytes { connection(tcp, didRead: $0) }
    }

    func connectionDidClose(_ connection: TCPConnection) {
        if !handedOff { server.connections.remove(self) }
    }

    /// Sends a response; closes after it unless the request and server allow keep-alive.
    func respond(_ response: HTTPResponse, to request: HTTPRequest? = nil, keepAlive requested: Bool? = nil) {
        let keepAlive = (requested ?? request?.keepAlive ?? false) && !server.isShuttingDown
        let head = request?.method == "HEAD"
        tcp.write(response.serialized(version: request?.version ?? .http11, keepAlive: keepAlive, includeBody: !head))
        lastActivity = SystemClock.monotonicNanoseconds
        if !keepAlive { tcp.closeAfterFlush() }
    }

    /// The socket now belongs to a WebSocket session (a participant's or a worker's).
    func handOff(to session: TCPConnectionHandler & ServerConnection) {
        handedOff = true
        tcp.handler = session
        server.connections.replace(self, with: session)
    }

    // MARK: ServerConnection

    /// HTTP connections are few and short-lived: they are looked at every sweep.
    func sweep(now: UInt64) -> UInt64 {
        checkTimeouts(now: now)
        return 0
    }

    private func checkTimeouts(now: UInt64) {
        guard !handedOff, !tcp.isClosing else { return }
        let limits = server.configuration.limits
        if isResponding {
            // A response that makes no progress (a client that stopped reading a stream).
            if now &- lastActivity >= UInt64(limits.idleTimeout * 1e9) { tcp.close() }
            return
        }
        if let started = requestStartedAt {
            if now &- started >= UInt64(limits.headerTimeout * 1e9) {
                respond(HTTPResponse.text(.requestTimeout, "request not completed within \(limits.headerTimeout) s"), keepAlive: false)
            }
            return
        }
        // A connection that never sent a request gets the header timeout; an idle keep-alive
        // connection the keep-alive timeout.
        let allowed = servedRequests == 0 ? limits.headerTimeout : limits.keepAliveTimeout
        if now &- lastActivity >= UInt64(allowed * 1e9) {
            tcp.close()
        }
    }

    func shutdown() {
        guard !handedOff else { return }
        if requestStartedAt == nil { tcp.closeAfterFlush() }
    }

    func forceClose() {
        tcp.close()
    }
}
