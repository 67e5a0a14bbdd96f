import Foundation
import AccessToken
import HTTPCore
import RoomCore
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
        let token = request.query("access_token") ?? bearerToken(request.headers)
        let claims: AccessTokenClaims
        do {
            claims = try server.verifier.verifyJoin(token ?? "", now: ServerClock.wallSeconds)
        } catch {
            return refuse(.text(HTTPStatus(error.httpStatus, error.httpStatus == 403 ? "Forbidden" : "Unauthorized"), error.message), error.message)
        }
        let roomName = claims.grant.room ?? ""
        guard RoomName.isValid(roomName) else { return refuse(.text(.badRequest, "invalid room name in token"), "room name") }
        let grant = claims.grant
        let isAgent = claims.kind == "agent" || grant.agent
        let now = ServerClock.now

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
            return refuse(.text(HTTPStatus(error.status, error.status == 404 ? "Not Found" : "Forbidden"), error.message), error.message)
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
        server.logger.info("joined", metadata: ["room": "\(room.name)", "identity": "\(claims.identity)", "sid": "\(info.sid)"])
        finish(session, leftover: leftover)
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
        if !leftover.isEmpty { session.connection(session.tcp, didRead: leftover) }
    }

    static func bearerToken(_ headers: HTTPHeaders) -> String? {
        guard let value = headers.first("Authorization"), value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}


