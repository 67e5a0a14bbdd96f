import AccessToken
import HTTPCore
import RoomCore
import SystemClock
import WireJSON

/// LiveKit's RoomService over Twirp with JSON bodies:
/// `POST /twirp/livekit.RoomService/<Method>` with `Authorization: Bearer <JWT>`. Grants as in
/// LiveKit: CreateRoom and DeleteRoom need `roomCreate`, ListRooms `roomList`, everything
/// about one room `roomAdmin` for that room.
enum RoomServiceAPI {
    static let prefix = "/twirp/livekit.RoomService/"

    static func handle(_ request: HTTPRequest, server: WaveDefectServer) -> HTTPResponse {
        do {
            return .json(.ok, try dispatch(request, server: server))
        } catch {
            server.logger.debug("admin API error", metadata: ["path": "\(request.path)", "code": "\(error.wireCode)", "msg": "\(error.message)"])
            return error.response
        }
    }

    private static func dispatch(_ request: HTTPRequest, server: WaveDefectServer) throws(TwirpError) -> [UInt8] {
        let method = String(request.path.dropFirst(prefix.count))
        guard request.method == "POST" else { throw .badRoute("unsupported method \(request.method) (only POST is allowed)") }
        let contentType = request.headers.first("Content-Type")?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw .badRoute("unsupported Content-Type '\(contentType)': this server speaks Twirp with JSON bodies (application/json)")
        }
        guard let token = RTCEndpoint.bearerToken(request.headers) else { throw .unauthenticated("missing Authorization: Bearer token") }
        let claims: AccessTokenClaims
        do {
            claims = try server.verifier.verify(token, now: SystemClock.wallSeconds)
        } catch {
            throw .unauthenticated(error.message)
        }
        let grant = claims.grant
        let api = RoomServiceHandlers(server: server, now: RoomInstant.current)
        // The method's grant is checked before the body is parsed: parsing is work an
        // unauthorized caller must not be able to make the server do.
        let required: (Bool, String)
        switch method {
        case "CreateRoom", "DeleteRoom": required = (grant.roomCreate, "roomCreate")
        case "ListRooms": required = (grant.roomList, "roomList")
        case "ListParticipants", "GetParticipant", "RemoveParticipant", "UpdateParticipant", "SendData", "UpdateRoomMetadata":
            required = (grant.roomAdmin, "roomAdmin")
        default:
            throw .badRoute("no such method: livekit.RoomService/\(method)")
        }
        guard required.0 else { throw .permissionDenied("token does not grant \(required.1)") }
        let body = try TwirpBody(request.body)

        switch method {
        case "CreateRoom": return try api.createRoom(body)
        case "ListRooms": return try api.listRooms(body)
        case "DeleteRoom": return try api.deleteRoom(body)
        default:
            let room = try body.requiredString("room")
            guard grant.room == room else { throw .permissionDenied("token's roomAdmin grant is for another room") }
            switch method {
            case "ListParticipants": return try api.listParticipants(room)
            case "GetParticipant": return try api.getParticipant(room, body)
            case "RemoveParticipant": return try api.removeParticipant(room, body)
            case "UpdateParticipant": return try api.updateParticipant(room, body)
            case "SendData": return try api.sendData(room, body)
            default: return try api.updateRoomMetadata(room, body)
            }
        }
    }
}

/// The methods themselves, once the request is authorized.
struct RoomServiceHandlers {
    let server: WaveDefectServer
    let now: RoomInstant

    var registry: RoomRegistry { server.registry }

    func room(_ name: String) throws(TwirpError) -> Room {
        guard let room = registry.room(named: name) else { throw .notFound("room '\(name)' does not exist") }
        return room
    }

    static func encode(_ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var w = JSONWriter()
        body(&w)
        return w.bytes
    }

    static let empty: [UInt8] = Array("{}".utf8)

    static func room(_ room: Room) -> [UInt8] {
        encode { LiveKitJSON.writeRoom(room.snapshot, to: &$0) }
    }

    func createRoom(_ body: TwirpBody) throws(TwirpError) -> [UInt8] {
        let name = try body.requiredString("name")
        guard RoomName.isValid(name) else { throw .invalidArgument(RoomName.rule) }
        let emptyTimeout = try body.uint32("empty_timeout")
        let departureTimeout = try body.uint32("departure_timeout")
        let maxParticipants = try body.uint32("max_participants")
        let metadata = try body.string("metadata")
        let made = registry.create(name, now: now) { c in
            if let v = emptyTimeout, v > 0 { c.emptyTimeout = Double(v) }
            if let v = departureTimeout, v > 0 { c.departureTimeout = Double(v) }
            if let v = maxParticipants { c.maxParticipants = v }
            if let v = metadata { c.metadata = v }
        }
        server.perform(made.actions)
        return Self.room(made.room)
    }

    func listRooms(_ body: TwirpBody) throws(TwirpError) -> [UInt8] {
        let names = try body.strings("names").map(Set.init)
        let rooms = registry.sortedRooms.filter { names == nil || names!.isEmpty || names!.contains($0.name) }
        return Self.encode { w in
            w.beginObject()
            w.key("rooms")
            w.beginArray()
            for r in rooms { LiveKitJSON.writeRoom(r.snapshot, to: &w) }
            w.endArray()
            w.endObject()
        }
    }

    func deleteRoom(_ body: TwirpBody) throws(TwirpError) -> [UInt8] {
        let name = try body.requiredString("room")
        guard let actions = registry.delete(name, now: now) else { throw .notFound("room '\(name)' does not exist") }
        server.perform(actions)
        return Self.empty
    }

    func updateRoomMetadata(_ name: String, _ body: TwirpBody) throws(TwirpError) -> [UInt8] {
        let room = try room(name)
        server.perform(room.updateMetadata(try body.string("metadata") ?? ""))
        return Self.room(room)
    }
}
