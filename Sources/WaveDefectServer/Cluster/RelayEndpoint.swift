import AccessToken
import ByteStorage
import ClusterCore
import EventLoop
import RoomCore
import SystemClock
import WebSocketCore
import WireProtocol

/// On the room's node: "connection `conn` on node `edge`", the endpoint of a participant
/// whose client reached another node (docs/cluster.md#connect-anywhere). The room runs the
/// participant exactly like a local one; what it sends goes to the edge through `RelayHub`,
/// a broadcast's frame once per edge.
final class RelayEndpoint: RoomEndpoint, ParticipantChannel {
    struct Address: Hashable {
        let node: String
        let conn: UInt64
    }

    unowned let hub: RelayHub
    let address: Address
    let room: Room
    let participant: Participant
    var server: WaveDefectServer { hub.server }

    /// What the edge last measured on the client's socket (`socketStats`, with every pong):
    /// the round trip in ns and the lossy frames it dropped.
    private var edgeRTT: UInt64?
    private var edgeDroppedLossy: UInt64 = 0
    /// When the edge last reported anything from the client (a message or a pong).
    private var lastHeard: UInt64
    /// Present while the client asks for periodic `metrics`.
    private var metricsTimer: LoopTimer?

    init(hub: RelayHub, address: Address, room: Room, participant: Participant) {
        self.hub = hub
        self.address = address
        self.room = room
        self.participant = participant
        lastHeard = hub.server.loop.turnStart
    }

    private var isCurrent: Bool { participant.endpoint === self }

    /// A client message the edge relayed, handled as if its socket were here.
    func received(_ payload: [UInt8], binary: Bool) {
        guard isCurrent else { return }
        let now = server.loop.turnStart
        lastHeard = now
        payload.withUnsafeBytes { bytes in
            if binary { handleBinary(bytes, now: now) } else { handleText(bytes, now: now) }
        }
    }

    // MARK: RoomEndpoint

    func deliver(_ frame: SharedBytes, lossy: Bool, broadcast: Bool) {
        let box = hub.outbox(address.node)
        // The edge is not keeping up (or Redis is not): as for a local socket's backlog.
        if box.backlog + frame.count > hub.limits.maxPendingBytes {
            if lossy {
                participant.droppedLossyMessages &+= 1
                server.stats.lossyDropped += 1
                return
            }
            server.stats.slowConsumersDisconnected += 1
            server.logger.info("slow consumer disconnected", metadata: [
                "identity": "\(participant.identity)", "edge": "\(address.node)", "edge_backlog": "\(box.backlog)",
            ])
            disconnect(code: RoomCloseCode.slowConsumer, reason: "slow consumer: the relay to its node is backed up")
            server.perform(room.leave(participant, reason: .slowConsumer, now: RoomInstant.current))
            return
        }
        hub.deliver(frame, lossy: lossy, broadcast: broadcast, conn: address.conn, to: address.node)
    }

    func disconnect(code: UInt16, reason: String) {
        hub.send(.close(conn: address.conn, code: code, reason: reason), to: address.node)
        forget()
    }

    // MARK: ParticipantChannel

    func send(_ frame: SharedBytes, control: Bool) {
        deliver(frame, lossy: false, broadcast: false)
    }

    /// Metrics measure the socket, which is on the edge: the edge's figures (`socketStats`)
    /// stand in for a local socket's, and the room's own figures are this node's, so the
    /// client gets the reply a single node gives. Same interval rule as a local socket's.
    func configureMetrics(enabled: Bool, intervalMilliseconds: Int?, now: UInt64) throws(ProtocolError) {
        metricsTimer?.stop()
        metricsTimer = nil
        guard enabled else { return }
        let ms = UInt64(min(max(intervalMilliseconds ?? 2000, 500), 60_000))
        sendMetrics(now: now)
        let timer = LoopTimer(loop: server.loop) { [unowned self] in
            guard self.isCurrent else { return self.stopMetrics() }
            self.sendMetrics(now: self.server.loop.turnStart)
        }
        timer.start(afterMilliseconds: ms, repeatMilliseconds: ms)
        metricsTimer = timer
    }

    private func sendMetrics(now: UInt64) {
        let dropped = Int(participant.droppedLossyMessages) + Int(truncatingIfNeeded: edgeDroppedLossy)
        send(server.metricsMessage(room: room, own: quality(now: now), droppedLossy: dropped, now: now), control: false)
    }

    private func stopMetrics() {
        metricsTimer?.stop()
        metricsTimer = nil
    }

    /// The client's socket as the edge measured it, judged by the rule a local socket's is.
    func quality(now: UInt64) -> (rttMilliseconds: Double?, quality: ConnectionQuality) {
        let quality = ConnectionQuality.from(rttNanoseconds: edgeRTT, silentFor: now &- lastHeard, pingInterval: server.connectionConfiguration.pingInterval)
        return (edgeRTT.map { Double($0) / 1e6 }, quality)
    }

    /// `socketStats` from the edge.
    func edgeMeasured(rttMicroseconds: UInt64?, droppedLossy: UInt64) {
        edgeRTT = rttMicroseconds.map { $0 &* 1000 }
        edgeDroppedLossy = droppedLossy
        lastHeard = server.loop.turnStart
    }

    // MARK: The edge's side

    /// The edge reported the socket gone.
    func left(_ how: RelayLeave) {
        forget()
        let now = RoomInstant.current
        switch how {
        case .clean: server.perform(room.endpointClosed(participant, endpoint: self, clean: true, now: now))
        case .dropped: server.perform(room.endpointClosed(participant, endpoint: self, clean: false, now: now))
        case .slowConsumer:
            guard isCurrent else { return }
            server.perform(room.leave(participant, reason: .slowConsumer, now: now))
        }
    }

    /// The edge cannot be reached: as a dropped socket, the participant waits to resume.
    func edgeLost() {
        forget()
        server.perform(room.endpointClosed(participant, endpoint: self, clean: false, now: RoomInstant.current))
    }

    /// This node's subscription was lost: what the edge sent meanwhile is gone. The edge
    /// closes the client's socket with `code` (4005: resume), and the participant waits for
    /// the resume as after a dropped socket.
    func subscriptionLost(code: UInt16, reason: String) {
        hub.send(.close(conn: address.conn, code: code, reason: reason), to: address.node)
        edgeLost()
    }

    private func forget() {
        stopMetrics()
        if hub.endpoints[address] === self { hub.endpoints[address] = nil }
    }
}

extension RelayHub {
    /// Room's node: an edge asks for a client to join (or resume), as `RTCEndpoint` would
    /// have done had the client connected here; the answer (`accepted` then the frames, or
    /// `refused`) goes back in order.
    func relayedJoin(_ j: RelayJoin, from edge: String) {
        // Read after the edge's `relay_join_timeout`: the edge has answered the client 503, so
        // the join leaves no trace here (no room, no presence, no webhook). Should the edge
        // still wait (this node's clock ahead of the edge's), the refusal says why.
        if let late = j.lateness(atWallMilliseconds: SystemClock.wallMilliseconds) {
            server.logger.warning(
                "relayed join past its deadline refused",
                metadata: ["room": "\(j.room)", "identity": "\(j.identity)", "relayed_from": "\(edge)", "late_ms": "\(late)"])
            send(.refused(conn: j.conn, status: 503, reason: "the join reached the room's node \(late) ms after the edge's relay_join_timeout"), to: edge)
            return
        }
        let now = RoomInstant.current
        let address = RelayEndpoint.Address(node: edge, conn: j.conn)
        if let token = j.resumeToken, let room = server.registry.room(named: j.room), let participant = room.participant(resumeToken: token),
           participant.identity == j.identity, room.canResume(participant, now: now)
        {
            let endpoint = RelayEndpoint(hub: self, address: address, room: room, participant: participant)
            endpoints[address] = endpoint
            send(.accepted(conn: j.conn), to: edge)
            server.perform(room.resume(participant, lastSeq: j.lastSeq, endpoint: endpoint, now: now))
            server.logger.info("resumed", metadata: ["room": "\(room.name)", "identity": "\(j.identity)", "relayed_from": "\(edge)"])
            return
        }
        let room: Room
        let created: [RoomAction]
        do {
            (room, created) = try server.registry.roomForJoin(j.room, identity: j.identity, isAgent: j.isAgent, now: now)
        } catch {
            send(.refused(conn: j.conn, status: UInt16(error.status.code), reason: error.message), to: edge)
            return
        }
        let participant = server.makeParticipant(
            identity: j.identity, name: j.name, metadata: j.metadata, attributes: j.attributes, isAgent: j.isAgent,
            permissions: Participant.Permissions(
                canPublishData: j.canPublishData, canSubscribe: j.canSubscribe, canUpdateOwnMetadata: j.canUpdateOwnMetadata,
                hidden: j.hidden, roomAdmin: j.roomAdmin),
            now: now)
        let endpoint = RelayEndpoint(hub: self, address: address, room: room, participant: participant)
        endpoints[address] = endpoint
        send(.accepted(conn: j.conn), to: edge)
        server.perform(created + room.join(participant, endpoint: endpoint, now: now, unresumable: j.resumeToken != nil ? j.lastSeq : nil))
        if !created.isEmpty {
            for a in j.roomAgents {
                server.agentDispatcher.run(dispatchID: server.agentDispatcher.makeDispatchID(), agentName: a.agentName, metadata: a.metadata, in: room)
            }
        }
        server.logger.info("joined", metadata: ["room": "\(room.name)", "identity": "\(j.identity)", "sid": "\(participant.sid)", "relayed_from": "\(edge)"])
    }

    func relayedLeft(_ conn: UInt64, how: RelayLeave, from edge: String) {
        endpoints[.init(node: edge, conn: conn)]?.left(how)
    }
}
