import ByteStorage
import EventLoop
import Logging
import RoomCore
import SystemClock
import WebSocketCore
import WireProtocol

/// A joined participant's WebSocket: turns client messages into room calls and is the
/// room's endpoint for delivery. Framing, keepalive and the close handshake are
/// `WebSocketServerConnection`'s.
final class WebSocketSession: WebSocketServerConnection, RoomEndpoint, ParticipantChannel {
    let room: Room
    let participant: Participant

    /// Present only for clients that asked for metrics. Most never do, so the subscription
    /// lives in the server's table rather than in a field every connection would carry
    /// (8 bytes that took the session from a 144- to a 160-byte allocation).
    var metrics: MetricsSubscription? {
        get { server.metricsSubscriptions.isEmpty ? nil : server.metricsSubscriptions[ObjectIdentifier(self)] }
        set { server.metricsSubscriptions[ObjectIdentifier(self)] = newValue }
    }

    init(server: WaveDefectServer, tcp: TCPConnection, room: Room, participant: Participant) {
        self.room = room
        self.participant = participant
        super.init(server: server, tcp: tcp)
    }

    /// Whether this connection still carries its participant (not replaced or resumed elsewhere).
    var isCurrent: Bool { participant.endpoint === self }

    override var logMetadata: Logger.Metadata { ["identity": "\(participant.identity)"] }

    // MARK: Messages

    override func receivedText(_ payload: UnsafeRawBufferPointer, now: UInt64) {
        if isCurrent { handleText(payload, now: now) }
    }

    override func receivedBinary(_ payload: UnsafeRawBufferPointer, now: UInt64) {
        if isCurrent { handleBinary(payload, now: now) }
    }

    /// Pongs and pings count against the backlog like any direct answer.
    override func writeControl(_ frame: SharedBytes) {
        send(frame, control: true)
    }

    /// A direct answer (pong, ack, error, metrics). It counts against the same backlog limit
    /// as broadcasts, through the same rule (`deliverFrame`): a client that asks without
    /// reading is cut off (4003) and leaves the room, never buffered without bound.
    /// After our close frame only control frames may follow (RFC 6455 §5.5.1).
    func send(_ frame: SharedBytes, control: Bool = false) {
        guard !tcp.isClosing, machine.isOpen || control else { return }
        if deliverFrame(frame, lossy: false, broadcast: false) == .cutOff { leaveAsSlowConsumer() }
    }

    // MARK: RoomEndpoint

    func deliver(_ frame: SharedBytes, lossy: Bool, broadcast: Bool) {
        guard !tcp.isClosing, machine.isOpen else { return }
        switch deliverFrame(frame, lossy: lossy, broadcast: broadcast) {
        case .written, .refused:
            break
        case .dropped:
            participant.droppedLossyMessages &+= 1
        case .cutOff:
            leaveAsSlowConsumer()
        }
    }

    /// The peer was cut off (4003): its participant leaves the room.
    private func leaveAsSlowConsumer() {
        server.perform(room.leave(participant, reason: .slowConsumer, now: RoomInstant.current))
    }

    // MARK: ServerConnection

    /// Timeouts, pings and metrics; returns when any of them is next due, so the sweep
    /// leaves the connection alone until then.
    override func sweepOpen(now: UInt64) -> UInt64 {
        tick(now: now)
        sendMetricsIfDue(now: now)
        var next = machine.nextDeadline
        if let m = metrics { next = min(next, m.lastSentAt &+ m.interval) }
        return next
    }

    override func didClose(cleanly: Bool) {
        if !server.metricsSubscriptions.isEmpty { metrics = nil }
        server.perform(room.endpointClosed(participant, endpoint: self, clean: cleanly, now: RoomInstant.current))
    }
}
