import ByteStorage
import EventLoop
import RoomCore
import SystemClock
import WebSocketCore
import WireProtocol

/// A joined participant's WebSocket: decodes frames, runs the close handshake and keepalive,
/// turns client messages into room calls, and is the room's endpoint for delivery.
final class WebSocketSession: ServerConnection, TCPConnectionHandler, RoomEndpoint, ParticipantChannel {
    // Every idle joined connection holds one session, so its small fields come first, in the
    // word the base class's 4-byte registry index leaves open, and alignment leaves no holes:
    // the session stays at 120 bytes, a 128-byte allocation (docs/benchmarks.md, "Where an
    // idle connection's bytes go").
    private var flags: Flags = []
    /// The second (monotonic, modulo 2^16) our close began, while `flags` has `.closing`.
    private var closingSecond: UInt16 = 0
    unowned(unsafe) let server: WaveDefectServer
    let tcp: TCPConnection
    let room: Room
    let participant: Participant
    private var decoder: WebSocketDecoder
    private(set) var machine: WebSocketConnectionStateMachine

    private struct Flags: OptionSet {
        let rawValue: UInt8
        /// The client sent a close frame: its departure is deliberate, not a dropped connection.
        static let receivedCloseFrame = Flags(rawValue: 1 << 0)
        /// The input after a protocol error: read and dropped, never decoded.
        static let discardingInput = Flags(rawValue: 1 << 1)
        /// Our close began (`closingSecond`).
        static let closing = Flags(rawValue: 1 << 2)
    }

    private var receivedCloseFrame: Bool {
        get { flags.contains(.receivedCloseFrame) }
        set { if newValue { flags.insert(.receivedCloseFrame) } else { flags.remove(.receivedCloseFrame) } }
    }

    private var discardingInput: Bool {
        get { flags.contains(.discardingInput) }
        set { if newValue { flags.insert(.discardingInput) } else { flags.remove(.discardingInput) } }
    }

    /// The second (monotonic, modulo 2^16) our close began, nil while it has not.
    private var closingSince: UInt16? {
        get { flags.contains(.closing) ? closingSecond : nil }
        set {
            if let newValue {
                closingSecond = newValue
                flags.insert(.closing)
            } else {
                flags.remove(.closing)
            }
        }
    }

    /// Present only for clients that asked for metrics. Most never do, so the subscription
    /// lives in the server's table rather than in a field every connection would carry
    /// (8 bytes that took the session from a 144- to a 160-byte allocation).
    var metrics: MetricsSubscription? {
        get { server.metricsSubscriptions.isEmpty ? nil : server.metricsSubscriptions[ObjectIdentifier(self)] }
        set { server.metricsSubscriptions[ObjectIdentifier(self)] = newValue }
    }

    init(server: WaveDefectServer, tcp: TCPConnection, room: Room, participant: Participant) {
        self.server = server
        self.tcp = tcp
        self.room = room
        self.participant = participant
        decoder = WebSocketDecoder(role: .server, limits: server.configuration.limits.webSocket)
        machine = WebSocketConnectionStateMachine(configuration: server.connectionConfiguration, now: SystemClock.monotonicNanoseconds)
    }

    /// Whether this connection still carries its participant (not replaced or resumed elsewhere).
    var isCurrent: Bool { participant.endpoint === self }

    // MARK: Reading

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
        // After a protocol error the stream cannot be framed any more: what follows is read
        // only so the peer can finish sending and still read our close frame.
        guard !discardingInput else { return }
        // The loop read the clock when this callback started; no second read per message.
        let now = server.loop.turnStart
        let heldBefore = decoder.heldBytes
        defer { settleHeldBytes(from: heldBefore) }
        do {
            try decoder.decode(bytes) { event in
                guard !tcp.isClosing else { return }
                machine.receivedFrame(now: now)
                switch event {
                case .text(let payload):
                    if machine.isOpen && isCurrent { handleText(payload, now: now) }
                case .binary(let payload):
                    if machine.isOpen && isCurrent { handleBinary(payload, now: now) }
                case .ping(let payload):
                    perform(machine.receivedPing(payload))
                case .pong(let payload):
                    _ = machine.receivedPong(payload, now: now)
                case .close(let code, _):
                    receivedCloseFrame = true
                    perform(machine.receivedClose(code))
                }
            }
        } catch {
            server.stats.protocolErrors += 1
            server.logger.debug("WebSocket protocol error", metadata: ["identity": "\(participant.identity)", "error": "\(error)"])
            fail(error.closeCode, reason: error.reason)
        }
    }

    /// Reports a change in what the decoder keeps for unfinished messages to the server-wide
    /// budget; a connection that grows while the budget is exhausted is failed with 1009
    /// and its bytes given back. Connections whose holdings did not change (nearly every
    /// read) cost one comparison.
    private func settleHeldBytes(from before: Int) {
        let after = decoder.heldBytes
        guard !server.partialMessagesChanged(from: before, to: after, ["identity": "\(participant.identity)"]) else { return }
        let refusal = PartialMessageBudget.refusal
        fail(refusal.closeCode, reason: refusal.reason)
        _ = server.partialMessages.change(from: after, to: decoder.heldBytes)
    }

    /// Fails the connection (RFC 6455 §7.1.7): our close frame, then the rest of the input is
    /// discarded until the peer closes or `close_timeout` passes.
    func fail(_ code: WebSocketCloseCode, reason: String) {
        if machine.isOpen {
            tcp.write(WebSocketFrameEncoder.frame(.close, payload: WebSocketFrameEncoder.closePayload(code, reason: reason)))
        }
        machine.connectionClosed()
        discardingInput = true
        decoder = WebSocketDecoder(role: .server, limits: server.configuration.limits.webSocket)
        beginClosing()
    }

    private func perform(_ action: WebSocketConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .sendPong(let data):
            send(SharedBytes(WebSocketFrameEncoder.frame(.pong, payload: data)), control: true)
        case .sendPing(let data):
            send(SharedBytes(WebSocketFrameEncoder.frame(.ping, payload: data)), control: true)
        case .sendClose(let code, let reason):
            // Close frames bypass the backlog limit: they are how a stuck client learns why.
            tcp.write(WebSocketFrameEncoder.frame(.close, payload: WebSocketFrameEncoder.closePayload(code, reason: reason)))
            // Frames are still decoded, for the peer's close; messages are no longer handled.
            beginClosing()
        case .replyCloseAndShutdown(let code):
            // Echo the peer's code (RFC 6455 §5.5.1); an empty close is answered empty. The
            // peer has finished sending, so closing once the echo is written loses nothing.
            let payload = code.map { WebSocketFrameEncoder.closePayload($0, reason: "") } ?? []
            tcp.write(WebSocketFrameEncoder.frame(.close, payload: payload))
            closingSince = Self.second(SystemClock.monotonicNanoseconds)
            server.connections.wake(self)
            tcp.closeAfterFlush()
        case .shutdown:
            // The handshake finished or its deadline passed: nothing more is owed to the peer.
            tcp.close()
        }
    }

    /// Our close frame is queued: the write side is shut once it is out (FIN, never a reset
    /// that could destroy it), and the socket closes when the peer closes — or, should it
    /// neither answer nor stop sending, at the sweep after `close_timeout`.
    private func beginClosing() {
        guard closingSince == nil else { return }
        closingSince = Self.second(SystemClock.monotonicNanoseconds)
        server.connections.wake(self)
        tcp.shutdownAfterFlush()
    }

    static func second(_ nanoseconds: UInt64) -> UInt16 { UInt16(truncatingIfNeeded: nanoseconds / 1_000_000_000) }

    func pingNow() {
        perform(machine.ping(now: SystemClock.monotonicNanoseconds))
    }

    /// A direct answer (pong, ack, error, metrics). It counts against the same backlog limit
    /// as broadcasts: a client that asks without reading is cut off (4003), never buffered
    /// without bound.
    /// After our close frame only control frames may follow (RFC 6455 §5.5.1).
    func send(_ frame: SharedBytes, control: Bool = false) {
        guard !tcp.isClosing, machine.isOpen || control else { return }
        let serverQueued = server.loop.queuedOutputBytes
        if server.backpressure.decide(buffered: tcp.bufferedBytes, frameSize: frame.count, lossy: false, serverQueued: serverQueued) == .disconnect {
            disconnectSlowConsumer(overBudget: server.backpressure.isUnderPressure(serverQueued: serverQueued, frameSize: frame.count))
            return
        }
        tcp.write(frame)
    }

    // MARK: RoomEndpoint

    func deliver(_ frame: SharedBytes, lossy: Bool, broadcast: Bool) {
        guard !tcp.isClosing, machine.isOpen else { return }
        let serverQueued = server.loop.queuedOutputBytes
        switch server.backpressure.decide(buffered: tcp.bufferedBytes, frameSize: frame.count, lossy: lossy, serverQueued: serverQueued) {
        case .write:
            tcp.write(frame, deferrable: broadcast)
        case .drop:
            participant.droppedLossyMessages &+= 1
            server.stats.lossyDropped += 1
        case .disconnect:
            disconnectSlowConsumer(overBudget: server.backpressure.isUnderPressure(serverQueued: serverQueued, frameSize: frame.count))
        }
    }

    func disconnect(code: UInt16, reason: String) {
        perform(machine.close(WebSocketCloseCode(code), reason: reason, now: SystemClock.monotonicNanoseconds))
    }

    /// The subscriber's backlog hit the limit (its own, or the smaller one that applies while
    /// the server's queued output is over budget): what it has not started receiving is
    /// dropped, it is told why (4003), and it leaves the room.
    private func disconnectSlowConsumer(overBudget: Bool = false) {
        guard machine.isOpen else { return }
        server.stats.slowConsumersDisconnected += 1
        if overBudget { server.stats.outputBudgetCutoffs += 1 }
        server.logger.info("slow consumer disconnected", metadata: [
            "identity": "\(participant.identity)", "buffered": "\(tcp.bufferedBytes)", "server_queued": "\(server.loop.queuedOutputBytes)",
        ])
        tcp.discardQueued()
        let reason = overBudget ? "slow consumer: server output budget exhausted" : "slow consumer: too many unsent bytes"
        perform(machine.close(WebSocketCloseCode(RoomCloseCode.slowConsumer), reason: reason, now: SystemClock.monotonicNanoseconds))
        server.perform(room.leave(participant, reason: .slowConsumer, now: RoomInstant.current))
    }

    // MARK: ServerConnection

    /// Timeouts, pings and metrics; returns when any of them is next due, so the sweep
    /// leaves the connection alone until then.
    override func sweep(now: UInt64) -> UInt64 {
        guard !tcp.isClosing else { return .max }
        if let since = closingSince {
            if Self.second(now) &- since > UInt16(min(server.configuration.limits.closeTimeout.rounded(.up), 3600)) { tcp.close() }
            return 0  // closing: checked every sweep until the socket is gone
        }
        perform(machine.tick(now: now))
        sendMetricsIfDue(now: now)
        var next = machine.nextDeadline
        if let m = metrics { next = min(next, m.lastSentAt &+ m.interval) }
        return next
    }

    override func shutdown() {
        perform(machine.close(.goingAway, reason: "server shutting down", now: SystemClock.monotonicNanoseconds))
    }

    override func forceClose() {
        tcp.close()
    }

    func connectionDidClose(_ connection: TCPConnection) {
        _ = server.partialMessages.change(from: decoder.heldBytes, to: 0)
        decoder = WebSocketDecoder(role: .server, limits: server.configuration.limits.webSocket)
        if !server.metricsSubscriptions.isEmpty { metrics = nil }
        machine.connectionClosed()
        server.removeConnection(self)
        server.perform(room.endpointClosed(participant, endpoint: self, clean: receivedCloseFrame, now: RoomInstant.current))
    }
}
