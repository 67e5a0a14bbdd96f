import ByteStorage
import EventLoop
import HTTPCore
import SystemClock

/// A TCP connection in its HTTP phase: parses requests (keep-alive, pipelining), routes them,
/// and on a successful `/rtc` upgrade hands the socket to a `WebSocketSession`.
///
/// Answers count against `max_buffered_bytes`, as a WebSocket's do: when that many bytes
/// of answers wait for a client that does not read them, the connection stops reading
/// (what was read but not parsed is kept) until they are written.
final class ClientConnection: ServerConnection, TCPConnectionHandler {
    unowned let server: WaveDefectServer
    let tcp: TCPConnection
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
    /// Bytes read but not parsed yet: while a response is in progress, or while reading is
    /// paused on unread answers.
    private var heldInput: [UInt8] = []
    private var isPaused = false
    /// Resumes a paused connection on the loop turn after its answers drained.
    private var resumeTimer: LoopTimer?
    /// The last answer (`Connection: close`) is queued: no other request is looked at, and
    /// what the client still sends is read and dropped so the kernel never resets the
    /// answer away. Set to when this began (monotonic ns).
    private var finishedAt: UInt64?
    /// A connection to the plain-HTTP redirect port: every request is answered with a 308
    /// to this TLS port.
    private let redirectPort: Int?

    init(server: WaveDefectServer, tcp: TCPConnection, now: UInt64, redirectingTo redirectPort: Int? = nil) {
        self.server = server
        self.tcp = tcp
        self.redirectPort = redirectPort
        parser = HTTPRequestParser(limits: server.configuration.limits.http)
        lastActivity = now
    }

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
        guard finishedAt == nil else { return }
        if isResponding || isPaused { return hold(UnsafeRawBufferPointer(bytes)) }
        lastActivity = server.loop.turnStart
        process(bytes)
    }

    private func process(_ bytes: UnsafeMutableRawBufferPointer) {
        let now = server.loop.turnStart
        var offset = 0
        while offset < bytes.count && !handedOff && !tcp.isClosing && finishedAt == nil {
            if isResponding { return hold(UnsafeRawBufferPointer(rebasing: bytes[offset...])) }
            if tcp.bufferedBytes >= server.backpressure.maxBufferedBytes {
                pause(keeping: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                return
            }
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
            if let address = server.connections.address(of: self), let wait = server.addressLimiter.request(address, now: now) {
                server.stats.addressLimitRefusals += 1
                let rate = server.addressLimiter.limits.requestsPerSecond
                return refuse(.tooManyRequests, retryAfter: wait, "more than \(rate) requests a second from \(address) (limits.requests_per_second_per_ip)")
            }
            if let redirectPort {
                respond(WaveDefectServer.redirect(request, tlsPort: redirectPort, configuredHost: server.configuration.host), to: request, keepAlive: false)
                continue
            }
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
        guard !isPaused, !tcp.isClosing else { return }
        processHeld()
    }

    private func processHeld() {
        guard !heldInput.isEmpty else { return }
        var held = heldInput
        heldInput = []
        held.withUnsafeMutableBytes { process($0) }
    }

    /// Stops reading until the answers queued so far are written.
    private func pause(keeping rest: UnsafeRawBufferPointer) {
        hold(rest)
        isPaused = true
        tcp.stopReading()
        tcp.notifyWhenDrained()
    }

    func connectionDidDrain(_ connection: TCPConnection) {
        guard isPaused else { return }
        // Not from inside the flush that drained it: answers written now go out with the
        // next turn's flush.
        if resumeTimer == nil {
            resumeTimer = LoopTimer(loop: server.loop) { [unowned self] in self.resume() }
        }
        resumeTimer?.start(afterMilliseconds: 0)
    }

    private func resume() {
        guard isPaused, !tcp.isClosing else { return }
        isPaused = false
        if !isResponding { processHeld() }
        if !isPaused && !handedOff && !tcp.isClosing && finishedAt == nil { tcp.startReading() }
    }

    func connectionDidClose(_ connection: TCPConnection) {
        resumeTimer = nil
        if let failure = connection.tls?.failure, connection.isTLSHandshaking {
            server.stats.tlsHandshakeFailures += 1
            server.logger.debug("TLS handshake failed", metadata: ["error": "\(failure)"])
        }
        if !handedOff { server.removeConnection(self) }
    }

    /// Refuses the connection before any work is done for it: the status (`429` for a
    /// per-address limit, `503` past `max_connections`) with `Retry-After`, then the
    /// connection ends (what the client still sends is drained, so the answer is not reset away).
    func refuse(_ status: HTTPStatus, retryAfter seconds: Int, _ why: String) {
        server.logger.debug("connection refused by a limit", metadata: ["peer": "\(tcp.peerAddress)", "why": "\(why)"])
        var response = HTTPResponse.text(status, why)
        response.headers.add("Retry-After", String(seconds))
        respond(response, keepAlive: false)
    }

    /// Sends a response; closes after it unless the request and server allow keep-alive.
    func respond(_ response: HTTPResponse, to request: HTTPRequest? = nil, keepAlive requested: Bool? = nil) {
        guard finishedAt == nil else { return }
        let keepAlive = (requested ?? request?.keepAlive ?? false) && !server.isShuttingDown
        let head = request?.method == "HEAD"
        tcp.write(response.serialized(version: request?.version ?? .http11, keepAlive: keepAlive, includeBody: !head))
        lastActivity = SystemClock.monotonicNanoseconds
        if !keepAlive { finish() }
    }

    /// The last answer is queued: FIN after it, then the rest of the input is dropped until
    /// the client closes or `close_timeout` passes.
    private func finish() {
        finishedAt = SystemClock.monotonicNanoseconds
        heldInput = []
        if isPaused {
            isPaused = false
            tcp.startReading()
        }
        tcp.shutdownAfterFlush()
    }

    /// The socket now belongs to a WebSocket session (a participant's or a worker's).
    func handOff(to session: ServerConnection & TCPConnectionHandler) {
        handedOff = true
        tcp.handler = session
        server.connections.replace(self, with: session)
    }

    // MARK: ServerConnection

    /// HTTP connections are few and short-lived: they are looked at every sweep.
    override func sweep(now: UInt64) -> UInt64 {
        checkTimeouts(now: now)
        return 0
    }

    private func checkTimeouts(now: UInt64) {
        guard !handedOff, !tcp.isClosing else { return }
        // Nothing is read before the handshake ends, so `lastActivity` is still the accept.
        if tcp.isTLSHandshaking {
            if now &- lastActivity >= SystemClock.nanoseconds(fromSeconds: server.configuration.tls.handshakeTimeout) {
                server.stats.tlsHandshakeTimeouts += 1
                server.logger.debug("TLS handshake timed out", metadata: ["peer": "\(tcp.peerAddress)"])
                tcp.close()
            }
            return
        }
        let limits = server.configuration.limits
        if let finished = finishedAt {
            if now &- finished >= SystemClock.nanoseconds(fromSeconds: limits.closeTimeout) { tcp.close() }
            return
        }
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
        // connection (or one paused on answers it does not read) the keep-alive timeout.
        let allowed = servedRequests == 0 ? limits.headerTimeout : limits.keepAliveTimeout
        if now &- lastActivity >= UInt64(allowed * 1e9) {
            tcp.close()
        }
    }

    override func shutdown() {
        guard !handedOff else { return }
        if requestStartedAt == nil && finishedAt == nil { tcp.closeAfterFlush() }
    }

    override func forceClose() {
        tcp.close()
    }
}
