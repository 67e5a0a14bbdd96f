import ByteStorage
import ClusterCore
import Logging
import RedisClient
import RoomCore

/// "Connect anywhere" (docs/cluster.md#connect-anywhere): this node's relay, both ways. As
/// an edge it relays the clients whose rooms live elsewhere (`RelayedSession`); as a room's
/// node it runs the participants other nodes relay to it (`RelayEndpoint`). Everything goes
/// through Redis pub/sub, one channel per node, in `RelayEnvelope`s: at most one PUBLISH per
/// peer node per loop turn, with every message of the turn in order, and a broadcast's frame
/// once per peer node with the ids of its recipients there.
final class RelayHub {
    unowned let server: WaveDefectServer
    let nodeID: String
    let redis: RedisClient
    let limits: RelayLimits
    let logger: Logger

    /// What this node has to send one peer node this turn.
    final class Outbox {
        let peer: String
        let channel: [UInt8]
        var writer: RelayCodec.Writer
        /// The frame being delivered to several of the peer's connections (one broadcast):
        /// written as one `deliver` when another message comes or the turn ends.
        var group: SharedBytes?
        var groupLossy = false
        var groupBroadcast = false
        var groupConns: [UInt64] = []
        /// Bytes published to the peer that Redis has not answered yet.
        var inFlight = 0
        var isListed = false
        /// `deliver` messages written, for `/metrics`.
        var delivers = 0

        init(peer: String, from nodeID: String) {
            self.peer = peer
            channel = Array(ClusterKeys.relayChannel(peer).utf8)
            writer = RelayCodec.Writer(from: nodeID)
        }

        /// Bytes waiting for this peer: in flight to Redis and not yet published.
        var backlog: Int { inFlight + writer.count }

        func closeGroup() {
            guard let frame = group else { return }
            delivers += 1
            writer.deliver(frame: frame.bytes, lossy: groupLossy, broadcast: groupBroadcast, conns: groupConns)
            group = nil
            groupConns.removeAll(keepingCapacity: true)
        }
    }

    private var outboxes: [String: Outbox] = [:]
    private var listed: [Outbox] = []
    /// Room's node: the participants relayed here, by edge and connection.
    var endpoints: [RelayEndpoint.Address: RelayEndpoint] = [:]
    /// Edge: relayed sockets, and clients waiting for the room's node to accept them.
    var sessions: [UInt64: RelayedSession] = [:]
    var pendingJoins: [UInt64: PendingRelayJoin] = [:]
    /// Connection numbers: a random 32-bit start shifted left, so an edge restarted under the
    /// same node id does not reuse the numbers its predecessor's connections had.
    private var nextConn = UInt64(UInt32.random(in: 1...UInt32.max)) << 32
    /// What `/metrics` shows of the relay: envelopes published, `deliver` messages in them
    /// (one per frame per edge, however many recipients there), and frames an edge wrote to
    /// its relayed sockets (one per recipient).
    private(set) var envelopesSent = 0
    private(set) var deliverMessagesSent = 0
    private(set) var framesFannedOut = 0

    init(server: WaveDefectServer, nodeID: String, redis: RedisClient, limits: RelayLimits, logger: Logger) {
        self.server = server
        self.nodeID = nodeID
        self.redis = redis
        self.limits = limits
        self.logger = logger
    }

    func start() {
        redis.subscribe(ClusterKeys.relayChannel(nodeID)) { [unowned self] payload in self.receive(payload) }
    }

    func makeConn() -> UInt64 {
        nextConn &+= 1
        return nextConn
    }

    // MARK: Sending

    func outbox(_ peer: String) -> Outbox {
        let box: Outbox
        if let existing = outboxes[peer] {
            box = existing
        } else {
            box = Outbox(peer: peer, from: nodeID)
            outboxes[peer] = box
        }
        if !box.isListed {
            box.isListed = true
            listed.append(box)
        }
        return box
    }

    /// Queues a message for `peer` behind everything queued for it before.
    func send(_ message: RelayMessage, to peer: String) {
        let box = outbox(peer)
        box.closeGroup()
        box.writer.append(message)
        publishIfFull(box)
    }

    /// Queues `frame` for connection `conn` of `peer`; consecutive deliveries of one frame
    /// (a broadcast's recipients there) become one `deliver`.
    func deliver(_ frame: SharedBytes, lossy: Bool, broadcast: Bool, conn: UInt64, to peer: String) {
        let box = outbox(peer)
        if box.group !== frame || box.groupLossy != lossy || box.groupBroadcast != broadcast {
            box.closeGroup()
            box.group = frame
            box.groupLossy = lossy
            box.groupBroadcast = broadcast
        }
        box.groupConns.append(conn)
    }

    /// An envelope past the size limit goes out at once rather than at the end of the turn.
    private func publishIfFull(_ box: Outbox) {
        if box.writer.count >= limits.maxMessageBytes / 2 { publish(box) }
    }

    /// The end of a loop turn (after presence): one PUBLISH per peer with messages queued.
    func flush() {
        guard !listed.isEmpty else { return }
        for box in listed {
            box.isListed = false
            box.closeGroup()
            publish(box)
        }
        listed.removeAll(keepingCapacity: true)
    }

    private func publish(_ box: Outbox) {
        box.closeGroup()
        guard !box.writer.isEmpty else { return }
        let payload = box.writer.bytes
        box.writer = RelayCodec.Writer(from: nodeID, reservingCapacity: min(payload.count, 64 * 1024))
        if payload.count > limits.maxMessageBytes {
            logger.warning("relay envelope larger than cluster.relay.max_message_bytes; the peer will refuse it", metadata: [
                "peer": "\(box.peer)", "bytes": "\(payload.count)", "limit": "\(limits.maxMessageBytes)",
            ])
        }
        box.inFlight += payload.count
        envelopesSent += 1
        deliverMessagesSent += box.delivers
        box.delivers = 0
        let size = payload.count
        redis.command(bytes: [Array("PUBLISH".utf8), box.channel, payload]) { [weak self, box] result in
            box.inFlight -= size
            guard let self else { return }
            switch result {
            case .success(let value):
                // Nobody listens on the peer's channel: the node is gone (or lost Redis).
                if value.integer == 0 { self.peerUnreachable(box.peer, why: "its relay channel has no subscriber") }
            case .failure(let error):
                self.peerUnreachable(box.peer, why: "\(error)")
            }
        }
    }

    // MARK: Receiving

    private func receive(_ payload: [UInt8]) {
        let envelope: RelayEnvelope
        do {
            envelope = try RelayCodec.decode(payload, maxBytes: limits.maxMessageBytes)
        } catch {
            logger.warning("relay envelope dropped", metadata: ["error": "\(error)", "bytes": "\(payload.count)"])
            return
        }
        let peer = envelope.from
        for message in envelope.messages {
            switch message {
            case .join(let join): relayedJoin(join, from: peer)
            case .client(let conn, let binary, let bytes): endpoints[.init(node: peer, conn: conn)]?.received(bytes, binary: binary)
            case .left(let conn, let how): relayedLeft(conn, how: how, from: peer)
            case .socketStats(let conn, let rtt, let dropped): endpoints[.init(node: peer, conn: conn)]?.edgeMeasured(rttMicroseconds: rtt, droppedLossy: dropped)
            case .accepted(let conn): pendingJoins.removeValue(forKey: conn)?.accepted()
            case .refused(let conn, let status, let reason): pendingJoins.removeValue(forKey: conn)?.refused(status: Int(status), reason: reason)
            case .deliver(let frame, let lossy, let broadcast, let conns):
                // One buffer for every local recipient, as for a broadcast on one node.
                let shared = SharedBytes(frame)
                for conn in conns {
                    guard let session = sessions[conn] else { continue }
                    framesFannedOut += 1
                    session.deliver(shared, lossy: lossy, broadcast: broadcast)
                }
            case .close(let conn, let code, let reason):
                if let session = sessions[conn] {
                    session.disconnect(code: code, reason: reason)
                } else {
                    pendingJoins.removeValue(forKey: conn)?.refused(status: 503, reason: reason)
                }
            }
        }
    }

    // MARK: Losing peers

    /// Every renewal: the peers this node relays to or from still listen on their channel?
    /// A node that died (its process gone, its Redis connections closed) has no subscriber
    /// at once, long before its lease expires; an idle relayed client learns it here.
    func checkPeers() {
        let peers = Set(sessions.values.map(\.roomNode)).union(endpoints.keys.map(\.node)).union(pendingJoins.values.map(\.roomNode)).sorted()
        guard !peers.isEmpty else { return }
        redis.command(["PUBSUB", "NUMSUB"] + peers.map(ClusterKeys.relayChannel)) { [weak self] result in
            guard let self, case .success(let value) = result, let reply = value.array, reply.count == 2 * peers.count else { return }
            for (i, peer) in peers.enumerated() where reply[2 * i + 1].integer == 0 {
                self.peerUnreachable(peer, why: "its relay channel has no subscriber")
            }
        }
    }

    /// A peer cannot be reached (its channel has no subscriber, or Redis failed): what was
    /// relayed to or from it ends as if its sockets had dropped.
    func peerUnreachable(_ peer: String, why: String) {
        // Clients waiting to join a room on that node take the room over here.
        for pending in pendingJoins.values where pending.roomNode == peer {
            pendingJoins[pending.conn] = nil
            pending.takeOver()
        }
        var edgeSessions = 0
        for session in sessions.values where session.roomNode == peer {
            edgeSessions += 1
            session.relayLost(code: RoomCloseCode.relayLost, reason: "lost the relay to the room's node; resume")
        }
        let relayedHere = endpoints.values.filter { $0.address.node == peer }
        for endpoint in relayedHere { endpoint.edgeLost() }
        if edgeSessions + relayedHere.count > 0 {
            logger.warning("relay peer unreachable", metadata: [
                "peer": "\(peer)", "why": "\(why)", "clients_closed": "\(edgeSessions)", "participants_suspended": "\(relayedHere.count)",
            ])
        }
    }

    /// Redis is gone: nothing can be relayed until it is back, and what was sent meanwhile
    /// may be lost, so every relay ends as a dropped connection (resume restores it).
    func redisLost() {
        for peer in Set(sessions.values.map(\.roomNode)).union(endpoints.keys.map(\.node)) {
            peerUnreachable(peer, why: "Redis connection lost")
        }
        for join in pendingJoins.values { join.refused(status: 503, reason: "the room's node cannot be reached (Redis connection lost)") }
        pendingJoins.removeAll()
    }

    /// The subscription connection alone dropped (the command connection is up): envelopes
    /// published to this node meanwhile are lost, so nothing relayed through it can be
    /// trusted to be complete. Every relay ends as a dropped connection the client resumes
    /// from — told to both sides over the command connection, which still works: this
    /// node's relayed clients are closed with 4005 and their room's node told they dropped;
    /// the participants relayed here are suspended and their edges told to close theirs with
    /// 4005. A resume's replay (or its `gap` report) covers what was lost.
    func subscriptionsLost() {
        let reason = "lost the relay to the room's node; resume"
        var joinsRefused = 0
        for pending in pendingJoins.values {
            // Its answer may have been lost: refused here, and the room's node told.
            send(.left(conn: pending.conn, how: .clean), to: pending.roomNode)
            pending.refused(status: 503, reason: "the relay's Redis subscription was lost; try again")
            joinsRefused += 1
        }
        pendingJoins.removeAll()
        let edgeSessions = Array(sessions.values)
        for session in edgeSessions { session.relayLost(code: RoomCloseCode.relayLost, reason: reason, tellRoomNode: true) }
        let relayedHere = Array(endpoints.values)
        for endpoint in relayedHere { endpoint.subscriptionLost(code: RoomCloseCode.relayLost, reason: reason) }
        logger.error("lost the Redis subscription connection; relays ended for resume", metadata: [
            "redis": "\(redis.address)", "clients_closed": "\(edgeSessions.count)", "participants_suspended": "\(relayedHere.count)",
            "joins_refused": "\(joinsRefused)",
        ])
    }

    /// The subscription is back: joins sent while it was down may have had their answer
    /// published before it, so they are refused (503, the client retries) rather than left to
    /// time out.
    func subscriptionsRestored() {
        for pending in pendingJoins.values {
            send(.left(conn: pending.conn, how: .clean), to: pending.roomNode)
            pending.refused(status: 503, reason: "the relay's Redis subscription was lost; try again")
        }
        pendingJoins.removeAll()
    }

    func sessionClosed(_ session: RelayedSession) {
        if sessions[session.conn] === session { sessions[session.conn] = nil }
    }

    func relayClientMessage(_ conn: UInt64, to peer: String, binary: Bool, payload: UnsafeRawBufferPointer) {
        let box = outbox(peer)
        box.closeGroup()
        box.writer.client(conn: conn, binary: binary, payload: payload)
        publishIfFull(box)
    }

    func relayedConnectionLeft(_ conn: UInt64, to peer: String, how: RelayLeave) {
        send(.left(conn: conn, how: how), to: peer)
    }
}

/// `cluster.relay` limits (docs/cluster.md#limits).
public struct RelayLimits: Sendable, Equatable {
    /// Largest relay envelope a node sends or reads (one PUBLISH payload). An envelope is
    /// sent early once it holds half of it; a single message larger than
    /// `limits.max_message_bytes` cannot occur, so the default leaves room for two of them.
    public var maxMessageBytes = 64 << 20
    /// Bytes a room's node may have queued for one edge node (published, not yet answered
    /// by Redis, plus this turn's): past it, reliable frames for that edge's clients cut them
    /// off as slow consumers (4003) and lossy ones are dropped, as on one node.
    public var maxPendingBytes = 32 << 20
    /// Seconds an edge waits for the room's node to accept a join before answering 503.
    public var joinTimeout: Double = 5

    public init() {}
}
