import ByteStorage
import EventLoop
import Logging
import RoomCore
import SystemClock
import WebSocketCore

/// The server's end of a WebSocket, whatever it carries: a participant (`WebSocketSession`),
/// a client whose room lives on another node (`RelayedSession`), an agent worker
/// (`WorkerConnection`). It owns the socket, the frame decoder and the connection state
/// machine, and carries out the close rules once for all three: the echo of the peer's close
/// (RFC 6455 §5.5.1), FIN after our close frame is written, `close_timeout`, failing the
/// connection on a protocol error (§7.1.7), and the server-wide budget for unfinished
/// messages. A subclass handles messages (`receivedText`, `receivedBinary`), may put control
/// frames through its backlog check (`writeControl`), and reports the close (`didClose`).
class WebSocketServerConnection: ServerConnection, TCPConnectionHandler {
    // Every idle joined connection holds one of these, so the small fields come first, in
    // the word the base class's 4-byte registry index leaves open, and alignment leaves no
    // holes: a participant's session stays at 120 bytes, a 128-byte allocation
    // (docs/benchmarks.md, "Where an idle connection's bytes go").
    private final var flags: Flags = []
    /// The second (monotonic, modulo 2^16) our close began, while `flags` has `.closing`.
    private final var closingSecond: UInt16 = 0
    final unowned(unsafe) let server: WaveDefectServer
    final let tcp: TCPConnection
    private final var decoder: WebSocketDecoder
    final private(set) var machine: WebSocketConnectionStateMachine

    private struct Flags: OptionSet {
        let rawValue: UInt8
        /// The peer sent a close frame: its departure is deliberate, not a dropped connection.
        static let receivedCloseFrame = Flags(rawValue: 1 << 0)
        /// The input after a protocol error: read and dropped, never decoded.
        static let discardingInput = Flags(rawValue: 1 << 1)
        /// Our close began (`closingSecond`).
        static let closing = Flags(rawValue: 1 << 2)
    }

    init(server: WaveDefectServer, tcp: TCPConnection) {
        self.server = server
        self.tcp = tcp
        decoder = WebSocketDecoder(role: .server, limits: server.configuration.limits.webSocket)
        machine = WebSocketConnectionStateMachine(configuration: server.connectionConfiguration, now: SystemClock.monotonicNanoseconds)
    }

    /// The peer sent a close frame.
    final var receivedCloseFrame: Bool { flags.contains(.receivedCloseFrame) }

    /// The second (monotonic, modulo 2^16) our close began, nil while it has not.
    private final var closingSince: UInt16? {
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

    static func second(_ nanoseconds: UInt64) -> UInt16 { UInt16(truncatingIfNeeded: nanoseconds / 1_000_000_000) }

    // MARK: What differs

    /// A text message, while the connection is open.
    func receivedText(_ payload: UnsafeRawBufferPointer, now: UInt64) {}
    /// A binary message, while the connection is open.
    func receivedBinary(_ payload: UnsafeRawBufferPointer, now: UInt64) {}
    /// A pong arrived (the machine has its round trip): a relayed socket reports it.
    func receivedPong(now: UInt64) {}
    /// A pong or ping we owe the peer. A participant's goes through its backlog check.
    func writeControl(_ frame: SharedBytes) { tcp.write(frame) }
    /// Who this connection is, for the log.
    var logMetadata: Logger.Metadata { [:] }
    /// The socket is closed and the connection out of the registry; `cleanly` when the peer
    /// sent a close frame.
    func didClose(cleanly: Bool) {}

    /// Timeouts and pings while the connection is open; returns when the next is due.
    func sweepOpen(now: UInt64) -> UInt64 {
        tick(now: now)
        return machine.nextDeadline
    }

    /// Pings when due; starts closing when the peer has been silent too long.
    final func tick(now: UInt64) {
        perform(machine.tick(now: now))
    }

    // MARK: Reading

    final func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
        // After a protocol error the stream cannot be framed any more: what follows is read
        // only so the peer can finish sending and still read our close frame.
        guard !flags.contains(.discardingInput) else { return }
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
                    if machine.isOpen { receivedText(payload, now: now) }
                case .binary(let payload):
                    if machine.isOpen { receivedBinary(payload, now: now) }
                case .ping(let payload):
                    perform(machine.receivedPing(payload))
                case .pong(let payload):
                    _ = machine.receivedPong(payload, now: now)
                    receivedPong(now: now)
                case .close(let code, _):
                    flags.insert(.receivedCloseFrame)
                    perform(machine.receivedClose(code))
                }
            }
        } catch {
            server.stats.protocolErrors += 1
            server.logger.debug("WebSocket protocol error", metadata: logMetadata.merging(["error": "\(error)"]) { a, _ in a })
            fail(error.closeCode, reason: error.reason)
        }
    }

    /// Reports a change in what the decoder keeps for unfinished messages to the server-wide
    /// budget; a connection that grows while the budget is exhausted is failed with 1009
    /// and its bytes given back. Connections whose holdings did not change (nearly every
    /// read) cost one comparison.
    private final func settleHeldBytes(from before: Int) {
        let after = decoder.heldBytes
        guard !server.partialMessagesChanged(from: before, to: after, logMetadata) else { return }
        let refusal = PartialMessageBudget.refusal
        fail(refusal.closeCode, reason: refusal.reason)
        _ = server.partialMessages.change(from: after, to: decoder.heldBytes)
    }

    // MARK: Closing

    /// Fails the connection (RFC 6455 §7.1.7): our close frame, then the rest of the input is
    /// discarded until the peer closes or `close_timeout` passes.
    final func fail(_ code: WebSocketCloseCode, reason: String) {
        if machine.isOpen {
            tcp.write(WebSocketFrameEncoder.frame(.close, payload: WebSocketFrameEncoder.closePayload(code, reason: reason)))
        }
        machine.connectionClosed()
        flags.insert(.discardingInput)
        decoder = WebSocketDecoder(role: .server, limits: server.configuration.limits.webSocket)
        beginClosing()
    }

    /// Carries out what the state machine decided.
    final func perform(_ action: WebSocketConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .sendPong(let data):
            writeControl(SharedBytes(WebSocketFrameEncoder.frame(.pong, payload: data)))
        case .sendPing(let data):
            writeControl(SharedBytes(WebSocketFrameEncoder.frame(.ping, payload: data)))
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
    private final func beginClosing() {
        guard closingSince == nil else { return }
        closingSince = Self.second(SystemClock.monotonicNanoseconds)
        server.connections.wake(self)
        tcp.shutdownAfterFlush()
    }

    final func pingNow() {
        perform(machine.ping(now: SystemClock.monotonicNanoseconds))
    }

    /// Starts the close handshake with `code` (the room's node or the server decided).
    final func disconnect(code: UInt16, reason: String) {
        perform(machine.close(WebSocketCloseCode(code), reason: reason, now: SystemClock.monotonicNanoseconds))
    }

    /// What became of a frame offered to `deliverFrame`.
    enum Delivery {
        case written
        /// A lossy frame left out: the backlog was over the lossy limit.
        case dropped
        /// The backlog hit the limit: the peer was cut off (`cutOffSlowConsumer`).
        case cutOff
        /// The backlog hit the limit after our close frame (a control frame offered while
        /// closing): the frame is left out; the peer is already on its way out.
        case refused
    }

    /// A frame for the peer (a broadcast, a frame relayed from the room's node, a direct
    /// answer), through the backpressure rules: written, dropped when lossy and behind, or
    /// the peer cut off. The caller has checked that the connection is open, or that the
    /// frame is a control frame, which may follow our close frame.
    @inline(__always)
    final func deliverFrame(_ frame: SharedBytes, lossy: Bool, broadcast: Bool) -> Delivery {
        let serverQueued = server.loop.queuedOutputBytes
        switch server.backpressure.decide(buffered: tcp.bufferedBytes, frameSize: frame.count, lossy: lossy, serverQueued: serverQueued) {
        case .write:
            tcp.write(frame, deferrable: broadcast)
            return .written
        case .drop:
            server.stats.lossyDropped += 1
            return .dropped
        case .disconnect:
            return cutOffSlowConsumer(overBudget: server.backpressure.isUnderPressure(serverQueued: serverQueued, frameSize: frame.count))
                ? .cutOff : .refused
        }
    }

    /// The peer's backlog hit the limit (its own, or the smaller one that applies while the
    /// server's queued output is over budget): what it has not started receiving is dropped
    /// and it is told why (4003). Returns false when the connection was already closing.
    final func cutOffSlowConsumer(overBudget: Bool) -> Bool {
        guard machine.isOpen else { return false }
        server.stats.slowConsumersDisconnected += 1
        if overBudget { server.stats.outputBudgetCutoffs += 1 }
        server.logger.info("slow consumer disconnected", metadata: logMetadata.merging([
            "buffered": "\(tcp.bufferedBytes)", "server_queued": "\(server.loop.queuedOutputBytes)",
        ]) { a, _ in a })
        tcp.discardQueued()
        let reason = overBudget ? "slow consumer: server output budget exhausted" : "slow consumer: too many unsent bytes"
        disconnect(code: RoomCloseCode.slowConsumer, reason: reason)
        return true
    }

    // MARK: ServerConnection

    /// While closing, `close_timeout`: checked every sweep until the socket is gone.
    override final func sweep(now: UInt64) -> UInt64 {
        guard !tcp.isClosing else { return .max }
        if let since = closingSince {
            if Self.second(now) &- since > UInt16(min(server.configuration.limits.closeTimeout.rounded(.up), 3600)) { tcp.close() }
            return 0
        }
        return sweepOpen(now: now)
    }

    override func shutdown() {
        disconnect(code: WebSocketCloseCode.goingAway.rawValue, reason: "server shutting down")
    }

    override final func forceClose() {
        tcp.close()
    }

    final func connectionDidClose(_ connection: TCPConnection) {
        _ = server.partialMessages.change(from: decoder.heldBytes, to: 0)
        decoder = WebSocketDecoder(role: .server, limits: server.configuration.limits.webSocket)
        machine.connectionClosed()
        server.removeConnection(self)
        didClose(cleanly: receivedCloseFrame)
    }
}
