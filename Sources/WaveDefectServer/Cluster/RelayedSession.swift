import ByteStorage
import ClusterCore
import EventLoop
import Logging
import RoomCore
import SystemClock
import WebSocketCore

/// On the edge: the WebSocket of a client whose room lives on another node
/// (docs/cluster.md#connect-anywhere). It does what is the socket's — framing, the close
/// handshake and keepalive (`WebSocketServerConnection`), its own write queue and
/// backpressure — and relays the client's messages to the room's node as they arrived;
/// the room's node runs the participant.
/// Frames from the room's node arrive through `RelayHub`, already encoded, one buffer shared
/// by every local recipient.
final class RelayedSession: WebSocketServerConnection {
    unowned(unsafe) let hub: RelayHub
    /// This connection's number, which the room's node addresses it by.
    let conn: UInt64
    /// The node the room lives on.
    let roomNode: String
    let identity: String
    /// The room's node was told the connection is gone (left once, whatever the cause).
    private var reportedGone = false
    /// This node is shutting down: the client did not choose to leave, so its participant
    /// is kept for resume (on another node) even after a clean close handshake.
    private var closedByShutdown = false
    /// Lossy frames this node dropped for the socket's backlog (reported with each pong).
    private var droppedLossy: UInt64 = 0

    init(hub: RelayHub, tcp: TCPConnection, conn: UInt64, roomNode: String, identity: String) {
        self.hub = hub
        self.conn = conn
        self.roomNode = roomNode
        self.identity = identity
        super.init(server: hub.server, tcp: tcp)
    }

    override var logMetadata: Logger.Metadata { ["identity": "\(identity)", "relayed_to": "\(roomNode)"] }

    override func receivedText(_ payload: UnsafeRawBufferPointer, now: UInt64) {
        hub.relayClientMessage(conn, to: roomNode, binary: false, payload: payload)
    }

    override func receivedBinary(_ payload: UnsafeRawBufferPointer, now: UInt64) {
        hub.relayClientMessage(conn, to: roomNode, binary: true, payload: payload)
    }

    /// A frame from the room's node, through this socket's own queue and backpressure: a
    /// client that does not read is cut off here with 4003, as on one node.
    func deliver(_ frame: SharedBytes, lossy: Bool, broadcast: Bool) {
        guard !tcp.isClosing, machine.isOpen else { return }
        switch deliverFrame(frame, lossy: lossy, broadcast: broadcast) {
        case .written, .refused: break
        case .dropped: droppedLossy &+= 1
        case .cutOff: reportGone(.slowConsumer)
        }
    }

    /// The round trip belongs to this socket: the room's node answers `metrics` with it (one
    /// small message per ping interval).
    override func receivedPong(now: UInt64) {
        hub.send(.socketStats(conn: conn, rttMicroseconds: machine.lastRTT.map { $0 / 1000 }, droppedLossy: droppedLossy), to: roomNode)
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

    override func shutdown() {
        closedByShutdown = true
        super.shutdown()
    }

    override func didClose(cleanly: Bool) {
        reportGone(cleanly && !closedByShutdown ? .clean : .dropped)
        hub.sessionClosed(self)
    }
}
