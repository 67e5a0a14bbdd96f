import AccessToken
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
        let info = ParticipantInfo(
            sid: server.registry.makeParticipantSID(), identity: claims.identity, name: claims.name ?? "",
            metadata: claims.metadata ?? "", attributes: claims.attributes, kind: isAgent ? .agent : .standard,
            joinedAtMilliseconds: now.wallMilliseconds
        )
        let permissions = Participant.Permissions(
            canPublishData: grant.mayPublishData, canSubscribe: grant.maySubscribe,
            canUpdateOwnMetadata: grant.mayUpdateOwnMetadata, hidden: grant.hidden, roomAdmin: grant.roomAdmin
        )
        let participant = Participant(info: info, permissions: permissions, resumeToken: server.registry.makeResumeToken())
        let session = accept(connection, key: key, room: room, participant: participant)
        server.perform(created + room.join(participant, endpoint: session, now: now))
        // LiveKit's `roomConfig.agents` claim applies to the join that creates the room.
        if !created.isEmpty {
            for a in claims.roomAgents { server.agentDispatcher.run(dispatchID: server.agentDispatcher.makeDispatchID(), agentName: a.agentName, metadata: a.metadata, in: room) }
        }
        server.logger.info("joined", metadata: ["room": "\(room.name)", "identity": "\(claims.identity)", "sid": "\(info.sid)"])
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

    private static func accept(_ connection: ClientConnection, key: String, room: Room, participant: Participant) -> WebSocketSession {
        let server = connection.server
        server.stats.upgrades += 1
        connection.tcp.write(WebSocketHandshake.acceptResponse(forKey: key))
        let session = WebSocketSession(server: server, tcp: connection.tcp, room: room, participant: participant)
        connection.handOff(to: session)
        return session
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


