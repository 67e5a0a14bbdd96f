import ByteStorage
import ClusterCore
import EventLoop
import RoomCore
import SystemClock
import WebSocketCore

/// On the edge: the WebSocket of a client whose room lives on another node
/// (docs/cluster.md#connect-anywhere). It does what is the socket's — framing, the close
/// handshake, keepalive, its own write queue and backpressure — and relays the client's
/// messages to the room's node as they arrived; the room's node runs the participant.
/// Frames from the room's node arrive through `RelayHub`, already encoded, one buffer shared
/// by every local recipient.
final class RelayedSession: ServerConnection, TCPConnectionHandler {
    unowned(unsafe) let server: WaveDefectServer
    unowned(unsafe) let hub: RelayHub
    let tcp: TCPConnection
    /// This connection's number, which the room's node addresses it by.
    let conn: UInt64
    /// The node the room lives on.
    let roomNode: String
    let identity: String
    private var decoder: WebSocketDecoder
    private var machine: WebSocketConnectionStateMachine
    private var receivedCloseFrame = false
    private var discardingInput = false
    private var closingSince: UInt16?
    /// The room's node was told the connection is gone (left once, whatever the cause).
    private var reportedGone = false
    /// This node is shutting down: the client did not choose to leave, so its participant
    /// is kept for resume (on another node) even after a clean close handshake.
    private var closedByShutdown = false

    init(hub: RelayHub, tcp: TCPConnection, conn: UInt64, roomNode: String, identity: String) {
        server = hub.server
        self.hub = hub
        self.tcp = tcp
        self.conn = conn
        self.roomNode = roomNode
        self.identity = identity
        decoder = WebSocketDecoder(role: .server, limits: hub.server.configuration.limits.webSocket)
        machine = WebSocketConnectionStateMachine(configuration: hub.server.connectionConfiguration, now: SystemClock.monotonicNanoseconds)
    }

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
        guard !discardingInput else { return }
        let now = server.loop.turnStart
        let heldBefore = decoder.heldBytes
        defer { settleHeldBytes(from: heldBefore) }
        do {
            try decoder.decode(bytes) { event in
                guard !tcp.isClosing else { return }
                machine.receivedFrame(now: now)
                switch event {
                case .text(let payload):
                    if machine.isOpen { hub.relayClientMessage(conn, to: roomNode, binary: false, payload: UnsafeRawBufferPointer(payload)) }
                case .binary(let payload):
                    if machine.isOpen { hub.relayClientMessage(conn, to: roomNode, binary: true, payload: UnsafeRawBufferPointer(payload)) }
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
            fail(error.closeCode, reason: error.reason)
        }
    }

    private func settleHeldBytes(from before: Int) {
        let after = decoder.heldBytes
        guard !server.partialMessagesChanged(from: before, to: after, ["identity": "\(identity)"]) else { return }
        let refusal = PartialMessageBudget.refusal
        fail(refusal.closeCode, reason: refusal.reason)
        _ = server.partialMessages.change(from: after, to: decoder.heldBytes)
    }

    private func fail(_ code: WebSocketCloseCode, reason: String) {
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
            tcp.write(WebSocketFrameEncoder.frame(.pong, payload: data))
        case .sendPing(let data):
            tcp.write(WebSocketFrameEncoder.frame(.ping, payload: data))
        case .sendClose(let code, let reason):
            tcp.write(WebSocketFrameEncoder.frame(.close, payload: WebSocketFrameEncoder.closePayload(code, reason: reason)))
            beginClosing()
        case .replyCloseAndShutdown(let code):
            let payload = code.map { WebSocketFrameEncoder.closePayload($0, reason: "") } ?? []
            tcp.write(WebSocketFrameEncoder.frame(.close, payload: payload))
            closingSince = WebSocketSession.second(SystemClock.monotonicNanoseconds)
            server.connections.wake(self)
            tcp.closeAfterFlush()
        case .shutdown:
            tcp.close()
        }
    }

    private func beginClosing() {
        guard closingSince == nil else { return }
        closingSince = WebSocketSession.second(SystemClock.monotonicNanoseconds)
        server.connections.wake(self)
        tcp.shutdownAfterFlush()
    }

    func pingNow() {
        perform(machine.ping(now: SystemClock.monotonicNanoseconds))
    }

    /// A frame from the room's node, through this socket's own queue and backpressure: a
    /// client that does not read is cut off here with 4003, as on one node.
    func deliver(_ frame: SharedBytes, lossy: Bool, broadcast: Bool) {
        guard !tcp.isClosing, machine.isOpen else { return }
        let serverQueued = server.loop.queuedOutputBytes
        switch server.backpressure.decide(buffered: tcp.bufferedBytes, frameSize: frame.count, lossy: lossy, serverQueued: serverQueued) {
        case .write:
            tcp.write(frame, deferrable: broadcast)
        case .drop:
            server.stats.lossyDropped += 1
        case .disconnect:
            let overBudget = server.backpressure.isUnderPressure(serverQueued: serverQueued, frameSize: frame.count)
            server.stats.slowConsumersDisconnected += 1
            if overBudget { server.stats.outputBudgetCutoffs += 1 }
            server.logger.info("slow consumer disconnected", metadata: [
                "identity": "\(identity)", "buffered": "\(tcp.bufferedBytes)", "relayed_to": "\(roomNode)",
            ])
            tcp.discardQueued()
            let reason = overBudget ? "slow consumer: server output budget exhausted" : "slow consumer: too many unsent bytes"
            perform(machine.close(WebSocketCloseCode(RoomCloseCode.slowConsumer), reason: reason, now: SystemClock.monotonicNanoseconds))
            reportGone(.slowConsumer)
        }
    }

    /// The room's node closes the connection (removed, replaced, resumed elsewhere, room
    /// closed), or the relay to it was lost.
    func disconnect(code: UInt16, reason: String) {
        perform(machine.close(WebSocketCloseCode(code), reason: reason, now: SystemClock.monotonicNanoseconds))
    }

    /// The relay to the room's node is gone: the socket is dropped without a close handshake
    /// after a close frame with `code`, so the client resumes (on any node) as after a drop.
    /// `tellRoomNode`: the room's node can still be reached (only this node's subscription
    /// was lost) and is told the connection dropped, so its participant is suspended at once.
    func relayLost(code: UInt16, reason: String, tellRoomNode: Bool = false) {
        if tellRoomNode { reportGone(.dropped) }
        reportedGone = true
        disconnect(code: code, reason: reason)
    }

    private func reportGone(_ how: RelayLeave) {
        guard !reportedGone else { return }
        reportedGone = true
        hub.relayedConnectionLeft(conn, to: roomNode, how: how)
    }

    // MARK: ServerConnection

    override func sweep(now: UInt64) -> UInt64 {
        guard !tcp.isClosing else { return .max }
        if let since = closingSince {
            if WebSocketSession.second(now) &- since > UInt16(min(server.configuration.limits.closeTimeout.rounded(.up), 3600)) { tcp.close() }
            return 0
        }
        perform(machine.tick(now: now))
        return machine.nextDeadline
    }

    override func shutdown() {
        closedByShutdown = true
        perform(machine.close(.goingAway, reason: "server shutting down", now: SystemClock.monotonicNanoseconds))
    }

    override func forceClose() {
        tcp.close()
    }

    func connectionDidClose(_ connection: TCPConnection) {
        _ = server.partialMessages.change(from: decoder.heldBytes, to: 0)
        decoder = WebSocketDecoder(role: .server, limits: server.configuration.limits.webSocket)
        machine.connectionClosed()
        server.removeConnection(self)
        reportGone(receivedCloseFrame && !closedByShutdown ? .clean : .dropped)
        hub.sessionClosed(self)
    }
}
