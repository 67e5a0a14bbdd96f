import AccessToken
import ClusterCore
import EventLoop
import HTTPCore
import RoomCore
import SystemClock

/// An edge's client waiting, before its upgrade, for the room's node to accept or refuse it
/// (a one-node server answers a refused join with an HTTP status, never a WebSocket).
final class PendingRelayJoin {
    unowned let hub: RelayHub
    let conn: UInt64
    let roomNode: String
    let connection: ClientConnection
    let request: HTTPRequest
    let key: String
    let identity: String
    let claims: AccessTokenClaims
    /// Bytes the client sent right behind its request.
    let leftover: [UInt8]
    private var timer: LoopTimer?

    init(hub: RelayHub, conn: UInt64, roomNode: String, connection: ClientConnection, request: HTTPRequest, key: String, claims: AccessTokenClaims, leftover: [UInt8]) {
        self.hub = hub
        self.conn = conn
        self.roomNode = roomNode
        self.connection = connection
        self.request = request
        self.key = key
        identity = claims.identity
        self.claims = claims
        self.leftover = leftover
    }

    func startTimer(seconds: Double) {
        let timer = LoopTimer(loop: hub.server.loop) { [unowned hub, conn, roomNode] in
            // Held here while it answers: the table was its only owner.
            guard let pending = hub.pendingJoins.removeValue(forKey: conn) else { return }
            // Should the room's node still take it, the participant leaves at once.
            hub.send(.left(conn: conn, how: .clean), to: roomNode)
            pending.refused(status: 503, reason: "the room's node (\(roomNode)) did not answer within \(seconds) s")
        }
        timer.start(afterMilliseconds: UInt64(seconds * 1000))
        self.timer = timer
    }

    func accepted() {
        timer?.stop()
        let server = hub.server
        guard !connection.tcp.isClosing else {
            // The client went away while it waited: it never saw its `joined`.
            return hub.send(.left(conn: conn, how: .clean), to: roomNode)
        }
        let session = RTCEndpoint.upgrade(connection, key: key) {
            RelayedSession(hub: hub, tcp: connection.tcp, conn: conn, roomNode: roomNode, identity: identity)
        }
        hub.sessions[conn] = session
        session.pingNow()
        if !leftover.isEmpty {
            var bytes = leftover
            bytes.withUnsafeMutableBytes { session.connection(session.tcp, didRead: $0) }
        }
        server.logger.info("relaying", metadata: ["identity": "\(identity)", "room_node": "\(roomNode)"])
    }

    /// The room's node is gone: its lease is dropped if it still holds it (only then: a
    /// node that took the room over meanwhile keeps it), and the client joins here, where the
    /// room starts again (a resume gets the loss report: `new_participant`).
    func takeOver() {
        timer?.stop()
        let room = claims.grant.room ?? ""
        hub.server.logger.warning("room's node unreachable; the room starts again here", metadata: ["room": "\(room)", "node_id": "\(roomNode)"])
        hub.redis.command(["EVAL", ClusterKeys.releaseScript, "1", ClusterKeys.roomLease(room), roomNode]) { [self] _ in
            guard !connection.tcp.isClosing else { return }
            // Another client may have brought the room here meanwhile.
            if hub.server.registry.room(named: room) == nil {
                hub.route(request, on: connection, key: key, claims: claims, leftover: leftover)
            } else {
                var bytes = leftover
                bytes.withUnsafeMutableBytes { RTCEndpoint.join(request, on: connection, key: key, claims: claims, leftover: $0) }
            }
        }
    }

    func refused(status: Int, reason: String) {
        timer?.stop()
        let server = hub.server
        server.stats.refusedUpgrades += 1
        server.logger.debug("upgrade refused", metadata: ["peer": "\(connection.tcp.peerAddress)", "status": "\(status)", "why": "\(reason)", "room_node": "\(roomNode)"])
        connection.respond(HTTPResponse.text(HTTPStatus(status), reason), to: request, keepAlive: false)
    }
}

extension RelayHub {
    /// Edge: a verified client whose room is not on this node. The room's lease decides where
    /// it lives, before anything is created (`ClusterKeys.leaseForJoinScript`: read the lease,
    /// and take it when nobody holds it, in one atomic step): this node → it joins here (and
    /// the room starts here); another node → it is relayed there. Two nodes starting one new
    /// room in the same instant thus make one room. Redis unreachable → here, as a node alone
    /// would; Redis connected but silent past `redis.timeout` → 503.
    func route(_ request: HTTPRequest, on connection: ClientConnection, key: String, claims: AccessTokenClaims, leftover: UnsafeMutableRawBufferPointer) {
        route(request, on: connection, key: key, claims: claims, leftover: Array(UnsafeRawBufferPointer(leftover)))
    }

    func route(_ request: HTTPRequest, on connection: ClientConnection, key: String, claims: AccessTokenClaims, leftover held: [UInt8]) {
        let roomName = claims.grant.room ?? ""
        // Later input waits (a client sends nothing more before its 101).
        connection.beginResponse()
        let ttl = server.cluster?.ttlMilliseconds ?? 5000
        let timeout = server.configuration.cluster.commandTimeout
        let wait = LeaseWait(loop: server.loop, seconds: timeout) { [weak self] in
            guard let self, !connection.tcp.isClosing else { return }
            self.server.stats.refusedUpgrades += 1
            self.logger.warning("Redis did not answer a join's lease read in time", metadata: ["room": "\(roomName)", "redis": "\(self.redis.address)"])
            connection.respond(HTTPResponse.text(.serviceUnavailable, "Redis did not answer within \(timeout) s; try again"), to: request, keepAlive: false)
        }
        redis.command(["EVAL", ClusterKeys.leaseForJoinScript, "1", ClusterKeys.roomLease(roomName), nodeID, String(ttl)]) { [weak self, connection] result in
            guard let self else { return }
            let holder = (try? result.get())?.text
            guard wait.finish(), !connection.tcp.isClosing else {
                // Answered too late, or nobody is waiting: a lease taken for a room that did
                // not start here is given back.
                if holder == self.nodeID { self.releaseUnusedLease(roomName) }
                return
            }
            guard let holder, holder != self.nodeID, self.server.registry.room(named: roomName) == nil else {
                var bytes = held
                bytes.withUnsafeMutableBytes { RTCEndpoint.join(request, on: connection, key: key, claims: claims, leftover: $0) }
                // Refused (no such room, full…): the lease taken for it is given back.
                if holder == self.nodeID { self.releaseUnusedLease(roomName) }
                return
            }
            let grant = claims.grant
            let conn = self.makeConn()
            let pending = PendingRelayJoin(
                hub: self, conn: conn, roomNode: holder, connection: connection, request: request, key: key, claims: claims, leftover: held)
            self.pendingJoins[conn] = pending
            self.send(.join(RelayJoin(
                conn: conn, room: roomName, identity: claims.identity, name: claims.name ?? "", metadata: claims.metadata ?? "",
                attributes: claims.attributes, isAgent: claims.isAgent, canPublishData: grant.mayPublishData, canSubscribe: grant.maySubscribe,
                canUpdateOwnMetadata: grant.mayUpdateOwnMetadata, hidden: grant.hidden, roomAdmin: grant.roomAdmin,
                roomAgents: claims.roomAgents.map { .init(agentName: $0.agentName, metadata: $0.metadata) },
                resumeToken: request.query("resume"), lastSeq: UInt64(request.query("last_seq") ?? "") ?? 0,
                deadlineMilliseconds: SystemClock.wallMilliseconds + Int64(self.limits.joinTimeout * 1000))), to: holder)
            pending.startTimer(seconds: self.limits.joinTimeout)
        }
    }

    /// A lease this node took for a join that did not start the room (refused, or answered
    /// after the client gave up) goes back at once rather than blocking the name for a TTL.
    private func releaseUnusedLease(_ room: String) {
        guard server.registry.room(named: room) == nil else { return }
        redis.command(["EVAL", ClusterKeys.releaseScript, "1", ClusterKeys.roomLease(room), nodeID])
    }
}

/// A join's lease read racing its timeout: whichever comes first wins, once.
final class LeaseWait {
    private var timer: LoopTimer?
    private var isDone = false

    init(loop: EventLoop, seconds: Double, onTimeout: @escaping () -> Void) {
        let timer = LoopTimer(loop: loop) { [unowned self] in
            guard !self.isDone else { return }
            self.isDone = true
            onTimeout()
        }
        timer.start(afterMilliseconds: UInt64(seconds * 1000))
        self.timer = timer
    }

    /// The answer came: true when it is in time (the timeout will not fire).
    func finish() -> Bool {
        guard !isDone else { return false }
        isDone = true
        timer?.stop()
        timer = nil
        return true
    }
}
