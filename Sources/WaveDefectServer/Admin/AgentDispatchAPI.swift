import LiveKitProtocol
import RoomCore
import WireJSON

/// LiveKit's AgentDispatchService over Twirp (`TwirpRouter`): every method needs `roomAdmin`
/// for the request's room, as in LiveKit. A dispatch for a room that is not running waits
/// for it; see `AgentDispatchHandler` for what runs the agents.
enum AgentDispatchAPI {
    static let methods: [String: TwirpMethod] = [
        "CreateDispatch": TwirpMethod(grant: .roomAdmin, messages: .of(Livekit_CreateAgentDispatchRequest.self, Livekit_AgentDispatch.self)) { c throws(TwirpError) in
            try createDispatch(c)
        },
        "ListDispatch": TwirpMethod(grant: .roomAdmin, messages: .of(Livekit_ListAgentDispatchRequest.self, Livekit_ListAgentDispatchResponse.self)) { c throws(TwirpError) in
            try listDispatch(c)
        },
        "DeleteDispatch": TwirpMethod(grant: .roomAdmin, messages: .of(Livekit_DeleteAgentDispatchRequest.self, Livekit_AgentDispatch.self)) { c throws(TwirpError) in
            try deleteDispatch(c)
        },
    ]

    static func createDispatch(_ c: TwirpCall) throws(TwirpError) -> [UInt8] {
        guard RoomName.isValid(c.room) else { throw .invalidArgument(RoomName.rule) }
        let agentName = try c.body.string("agent_name") ?? ""
        let metadata = try c.body.string("metadata") ?? ""
        let record: AgentDispatchRecord
        do {
            record = try c.server.createAgentDispatch(agentName: agentName, room: c.room, metadata: metadata)
        } catch {
            throw error.isLimit ? .resourceExhausted(error.message) : .invalidArgument(error.message)
        }
        return encode(record, c)
    }

    static func listDispatch(_ c: TwirpCall) throws(TwirpError) -> [UInt8] {
        let id = try c.body.string("dispatch_id")
        let records = c.server.agentDispatches.list(room: c.room, id: id)
        let room = c.server.registry.room(named: c.room)?.snapshot
        return RoomServiceHandlers.encode { w in
            w.beginObject()
            w.key("agent_dispatches")
            w.beginArray()
            for r in records { LiveKitJSON.writeAgentDispatch(r, jobs: jobs(r, c), room: room, to: &w) }
            w.endArray()
            w.endObject()
        }
    }

    static func deleteDispatch(_ c: TwirpCall) throws(TwirpError) -> [UInt8] {
        let id = try c.body.requiredString("dispatch_id")
        guard let record = c.server.deleteAgentDispatch(id: id, room: c.room) else {
            throw .notFound("room '\(c.room)' has no dispatch '\(id)'")
        }
        return encode(record, c)
    }

    private static func encode(_ record: AgentDispatchRecord, _ c: TwirpCall) -> [UInt8] {
        let room = c.server.registry.room(named: c.room)?.snapshot
        let jobs = record.deletedAtNanoseconds == 0 ? jobs(record, c) : []
        return RoomServiceHandlers.encode { LiveKitJSON.writeAgentDispatch(record, jobs: jobs, room: room, to: &$0) }
    }

    private static func jobs(_ record: AgentDispatchRecord, _ c: TwirpCall) -> [AgentJobRecord] {
        c.server.agentDispatchHandler?.jobs(for: record) ?? []
    }
}
