import LiveKitProtocol
import RoomCore
import WireJSON

/// LiveKit's RoomService over Twirp (`TwirpRouter`). Grants as in LiveKit: CreateRoom and
/// DeleteRoom need `roomCreate`, ListRooms `roomList`, everything about one room `roomAdmin`
/// for that room.
enum RoomServiceAPI {
    static let methods: [String: TwirpMethod] = [
        "CreateRoom": TwirpMethod(grant: .roomCreate, messages: .of(Livekit_CreateRoomRequest.self, Livekit_Room.self)) { c throws(TwirpError) in
            try c.handlers.createRoom(c.body)
        },
        "ListRooms": TwirpMethod(grant: .roomList, messages: .of(Livekit_ListRoomsRequest.self, Livekit_ListRoomsResponse.self), handle: { c throws(TwirpError) in
            try c.handlers.listRooms(c.body)
        }, later: { c, done throws(TwirpError) in
            try c.handlers.listRoomsEverywhere(c.body, done)
        }),
        "DeleteRoom": TwirpMethod(grant: .roomCreate, messages: .of(Livekit_DeleteRoomRequest.self, Livekit_DeleteRoomResponse.self)) { c throws(TwirpError) in
            try c.handlers.deleteRoom(c.body)
        },
        "ListParticipants": TwirpMethod(grant: .roomAdmin, messages: .of(Livekit_ListParticipantsRequest.self, Livekit_ListParticipantsResponse.self)) { c throws(TwirpError) in
            try c.handlers.listParticipants(c.room)
        },
        "GetParticipant": TwirpMethod(grant: .roomAdmin, messages: .of(Livekit_RoomParticipantIdentity.self, Livekit_ParticipantInfo.self)) { c throws(TwirpError) in
            try c.handlers.getParticipant(c.room, c.body)
        },
        "RemoveParticipant": TwirpMethod(grant: .roomAdmin, messages: .of(Livekit_RoomParticipantIdentity.self, Livekit_RemoveParticipantResponse.self)) { c throws(TwirpError) in
            try c.handlers.removeParticipant(c.room, c.body)
        },
        "UpdateParticipant": TwirpMethod(grant: .roomAdmin, messages: .of(Livekit_UpdateParticipantRequest.self, Livekit_ParticipantInfo.self)) { c throws(TwirpError) in
            try c.handlers.updateParticipant(c.room, c.body)
        },
        "SendData": TwirpMethod(grant: .roomAdmin, messages: .of(Livekit_SendDataRequest.self, Livekit_SendDataResponse.self)) { c throws(TwirpError) in
            try c.handlers.sendData(c.room, c.body)
        },
        "UpdateRoomMetadata": TwirpMethod(grant: .roomAdmin, messages: .of(Livekit_UpdateRoomMetadataRequest.self, Livekit_Room.self)) { c throws(TwirpError) in
            try c.handlers.updateRoomMetadata(c.room, c.body)
        },
    ]
}

extension TwirpCall {
    var handlers: RoomServiceHandlers { RoomServiceHandlers(server: server, now: now) }
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

    func room(_ room: Room) -> [UInt8] {
        Self.encode { LiveKitJSON.writeRoom(room.snapshot, to: &$0, nodeID: server.cluster?.holder(of: room.name)) }
    }

    func createRoom(_ body: TwirpBody) throws(TwirpError) -> [UInt8] {
        let name = try body.requiredString("name")
        guard RoomName.isValid(name) else { throw .invalidArgument(RoomName.rule) }
        let emptyTimeout = try body.uint32("empty_timeout")
        let departureTimeout = try body.uint32("departure_timeout")
        let maxParticipants = try body.uint32("max_participants")
        let metadata = try roomMetadata(body)
        // LiveKit's `agents`: dispatches created with the room.
        let agents = try body.objects("agents") ?? []
        var dispatches: [(agentName: String, metadata: String)] = []
        for agent in agents {
            let d = (agentName: try agent.string("agent_name") ?? "", metadata: try agent.string("metadata") ?? "")
            do {
                try server.agentDispatches.validate(agentName: d.agentName, metadata: d.metadata)
            } catch {
                throw .invalidArgument("agents: \(error.message)")
            }
            dispatches.append(d)
        }
        let made = registry.create(name, now: now) { c in
            if let v = emptyTimeout, v > 0 { c.emptyTimeout = Double(v) }
            if let v = departureTimeout, v > 0 { c.departureTimeout = Double(v) }
            if let v = maxParticipants { c.maxParticipants = v }
            if let v = metadata { c.metadata = v }
        }
        server.perform(made.actions)
        if made.created {
            for d in dispatches {
                do {
                    try server.createAgentDispatch(agentName: d.agentName, room: name, metadata: d.metadata)
                } catch {
                    throw error.isLimit ? .resourceExhausted(error.message) : .invalidArgument("agents: \(error.message)")
                }
            }
        }
        return self.room(made.room)
    }

    func listRooms(_ body: TwirpBody) throws(TwirpError) -> [UInt8] {
        let names = try body.strings("names").map(Set.init)
        let rooms = registry.sortedRooms.filter { names == nil || names!.isEmpty || names!.contains($0.name) }
        return Self.encode { w in
            w.beginObject()
            w.key("rooms")
            w.beginArray()
            for r in rooms { LiveKitJSON.writeRoom(r.snapshot, to: &w, nodeID: server.cluster?.holder(of: r.name)) }
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
        server.perform(room.updateMetadata(try roomMetadata(body) ?? ""))
        return self.room(room)
    }

    /// Room metadata is broadcast to every participant: it has the same size limit as a
    /// participant's (`max_metadata_bytes`).
    private func roomMetadata(_ body: TwirpBody) throws(TwirpError) -> String? {
        guard let metadata = try body.string("metadata") else { return nil }
        let limit = server.configuration.limits.data.participantInfo.maxMetadataBytes
        guard metadata.utf8.count <= limit else { throw .invalidArgument("metadata longer than \(limit) bytes (limits.max_metadata_bytes)") }
        return metadata
    }
}
