import AccessToken
import EventLoop
import Foundation
import HTTPCore
import RoomCore
import SystemClock
import WebSocketCore
import WireProtocol

/// `GET /rtc?access_token=JWT[&resume=TOKEN&last_seq=N]`: everything is checked before the
/// 101 is sent — the handshake, the token (signature, expiry, grants), the room's limits —
/// so a refused client gets a plain HTTP status and never a WebSocket.
enum RTCEndpoint {
    static func upgrade(_ request: HTTPRequest, on connection: ClientConnection, leftover: UnsafeMutableRawBufferPointer) {
        let server = connection.server
        func refuse(_ response: HTTPResponse, _ why: String) {
            server.stats.refusedUpgrades += 1
            server.logger.debug("upgrade refused", metadata: ["peer": "\(connection.tcp.peerAddress)", "status": "\(response.status.code)", "why": "\(why)"])
            connection.respond(response, to: request, keepAlive: false)
        }
        let key: String
        switch WebSocketHandshake.validate(request) {
        case .success(let k): key = k
        case .failure(let refusal): return refuse(refusal.response, refusal.message)
        }
        let claims: AccessTokenClaims
        switch authorize(request, server: server) {
        case .success(let c): claims = c
        case .failure(let error): return refuse(error.response, error.message)
        }
        // In a cluster a room that is not here may live on another node: relayed there.
        if let relay = server.cluster?.relay, server.registry.room(named: claims.grant.room ?? "") == nil {
            return relay.route(request, on: connection, key: key, claims: claims, leftover: leftover)
        }
        join(request, on: connection, key: key, claims: claims, leftover: leftover)
    }

    /// The join (or resume) of a client whose room is on this node, or starts here.
    static func join(_ request: HTTPRequest, on connection: ClientConnection, key: String, claims: AccessTokenClaims, leftover: UnsafeMutableRawBufferPointer) {
        let server = connection.server
        func refuse(_ response: HTTPResponse, _ why: String) {
            server.stats.refusedUpgrades += 1
            server.logger.debug("upgrade refused", metadata: ["peer": "\(connection.tcp.peerAddress)", "status": "\(response.status.code)", "why": "\(why)"])
            connection.respond(response, to: request, keepAlive: false)
        }
        let roomName = claims.grant.room ?? ""
        let grant = claims.grant
        let isAgent = claims.isAgent
        let now = RoomInstant.current

        // Resume: the same identity presenting the token from its `joined` message.
        if let resumeToken = request.query("resume"), let room = server.registry.room(named: roomName),
           let participant = room.participant(resumeToken: resumeToken), participant.identity == claims.identity,
           room.canResume(participant, now: now)
        {
            let lastSeq = UInt64(request.query("last_seq") ?? "") ?? 0
            let session = accept(connection, key: key, room: room, participant: participant)
            server.perform(room.resume(participant, lastSeq: lastSeq, endpoint: session, now: now))
            finish(session, leftover: leftover)
            return
        }

        let room: Room
        let created: [RoomAction]
        do {
            (room, created) = try server.registry.roomForJoin(roomName, identity: claims.identity, isAgent: isAgent, now: now)
        } catch {
            return refuse(error.response, error.message)
        }
        let participant = server.makeParticipant(
            identity: claims.identity, name: claims.name ?? "", metadata: claims.metadata ?? "", attributes: claims.attributes, isAgent: isAgent,
            permissions: Participant.Permissions(
                canPublishData: grant.mayPublishData, canSubscribe: grant.maySubscribe,
                canUpdateOwnMetadata: grant.mayUpdateOwnMetadata, hidden: grant.hidden, roomAdmin: grant.roomAdmin),
            now: now)
        let session = accept(connection, key: key, room: room, participant: participant)
        // In a cluster a resume token that finds nobody here is a room re-created after its
        // node died (or a participant that expired): the loss is reported, never silent.
        let unresumable = server.cluster != nil && request.query("resume") != nil ? UInt64(request.query("last_seq") ?? "") ?? 0 : nil
        server.perform(created + room.join(participant, endpoint: session, now: now, unresumable: unresumable))
        // LiveKit's `roomConfig.agents` claim applies to the join that creates the room.
        if !created.isEmpty {
            for a in claims.roomAgents { server.agentDispatcher.run(dispatchID: server.agentDispatcher.makeDispatchID(), agentName: a.agentName, metadata: a.metadata, in: room) }
        }
        server.logger.info("joined", metadata: ["room": "\(room.name)", "identity": "\(claims.identity)", "sid": "\(participant.sid)"])
        finish(session, leftover: leftover)
    }

    /// The token checks of a join: present, valid, `roomJoin`. The room name and identity
    /// rules are the registry's (`checkAdmission`).
    static func authorize(_ request: HTTPRequest, server: WaveDefectServer) -> Result<AccessTokenClaims, AccessTokenError> {
        let token = request.query("access_token") ?? bearerToken(request.headers)
        return Result { () throws(AccessTokenError) in try server.verifier.verifyJoin(token ?? "", now: SystemClock.wallSeconds) }
    }

    /// `GET /rtc/validate?access_token=JWT`, as LiveKit's: a browser cannot read why a
    /// WebSocket upgrade was refused, so it asks here and gets the same status and reason the
    /// upgrade would get (200 `success` when it would be accepted). Nothing is created.
    static func validate(_ request: HTTPRequest, server: WaveDefectServer) -> HTTPResponse {
        switch authorize(request, server: server) {
        case .failure(let error):
            return error.response
        case .success(let claims):
            let isAgent = claims.isAgent
            do {
                try server.registry.checkAdmission(claims.grant.room ?? "", identity: claims.identity, isAgent: isAgent)
            } catch {
                return error.response
            }
            return .text(.ok, "success")
        }
    }

    /// The 101 and the hand-off of the socket (to `make`'s session).
    static func upgrade<Session: TCPConnectionHandler & ServerConnection>(_ connection: ClientConnection, key: String, _ make: () -> Session) -> Session {
        connection.server.stats.upgrades += 1
        connection.tcp.write(WebSocketHandshake.acceptResponse(forKey: key))
        let session = make()
        connection.handOff(to: session)
        return session
    }

    private static func accept(_ connection: ClientConnection, key: String, room: Room, participant: Participant) -> WebSocketSession {
        upgrade(connection, key: key) { WebSocketSession(server: connection.server, tcp: connection.tcp, room: room, participant: participant) }
    }

    /// Frames the client sent right behind its request belong to the session.
    private static func finish(_ session: WebSocketSession, leftover: UnsafeMutableRawBufferPointer) {
        // A first ping right away gives the client's metrics an RTT within a round trip.
        session.pingNow()
        if !leftover.isEmpty { session.connection(session.tcp, didRead: leftover) }
    }

    static func bearerToken(_ headers: HTTPHeaders) -> String? {
        guard let value = headers.first("Authorization"), value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}



extension WaveDefectServer {
    /// A new participant from what a verified token says (here, or on the node that verified
    /// it when the client was relayed).
    func makeParticipant(
        identity: String, name: String, metadata: String, attributes: [String: String], isAgent: Bool, permissions: Participant.Permissions, now: RoomInstant
    ) -> Participant {
        let info = ParticipantInfo(
            sid: registry.makeParticipantSID(), identity: identity, name: name, metadata: metadata, attributes: attributes,
            kind: isAgent ? .agent : .standard, joinedAtMilliseconds: now.wallMilliseconds)
        return Participant(info: info, permissions: permissions, resumeToken: registry.makeResumeToken())
    }
}
