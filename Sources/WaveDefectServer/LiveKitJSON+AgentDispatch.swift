import RoomCore
import WireJSON

extension LiveKitJSON {
    /// LiveKit's `AgentDispatch`; each job carries the room (`room`, when it is running) as
    /// LiveKit's `Job` does.
    static func writeAgentDispatch(_ d: AgentDispatchRecord, jobs: [AgentJobRecord], room: RoomSnapshot?, to w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(d.id)
        w.key("agent_name"); w.string(d.agentName)
        w.key("room"); w.string(d.room)
        w.key("metadata"); w.string(d.metadata)
        w.key("state")
        w.beginObject()
        w.key("jobs")
        w.beginArray()
        for job in jobs { writeJob(job, of: d, room: room, to: &w) }
        w.endArray()
        w.key("created_at"); w.string(String(d.createdAtNanoseconds))
        w.key("deleted_at"); w.string(String(d.deletedAtNanoseconds))
        w.endObject()
        w.endObject()
    }

    /// LiveKit's `Job` (type `JT_ROOM`: one agent for the whole room) with its `JobState`.
    static func writeJob(_ job: AgentJobRecord, of d: AgentDispatchRecord, room: RoomSnapshot?, to w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(job.id)
        w.key("dispatch_id"); w.string(d.id)
        w.key("type"); w.string("JT_ROOM")
        if let room {
            w.key("room")
            writeRoom(room, to: &w)
        }
        w.key("metadata"); w.string(d.metadata)
        w.key("agent_name"); w.string(d.agentName)
        w.key("state")
        w.beginObject()
        w.key("status"); w.string(job.status.rawValue)
        w.key("error"); w.string(job.error)
        w.key("started_at"); w.string(String(job.startedAtNanoseconds))
        w.key("ended_at"); w.string(String(job.endedAtNanoseconds))
        w.key("updated_at"); w.string(String(job.updatedAtNanoseconds))
        w.key("participant_identity"); w.string(job.participantIdentity)
        w.key("worker_id"); w.string(job.workerID)
        w.endObject()
        w.endObject()
    }
}
