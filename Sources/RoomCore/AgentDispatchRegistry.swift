/// Which agents should run in which room: LiveKit's agent dispatches, per room. Pure like
/// `RoomRegistry`: the clock comes in with each call and the caller carries out what it
/// returns (start or cancel the agents of the records).
///
/// A dispatch belongs to one room instance. One created for a room that is not running yet
/// waits (as in LiveKit) and is returned by `roomStarted` when the room starts; all of a
/// room's dispatches end when it closes (`roomFinished`).
public final class AgentDispatchRegistry {
    public var limits: AgentDispatchLimits
    private var byRoom: [String: [AgentDispatchRecord]] = [:]
    private var running: Set<String> = []
    private var ids: IDGenerator

    public init(limits: AgentDispatchLimits = AgentDispatchLimits(), ids: IDGenerator = IDGenerator()) {
        self.limits = limits
        self.ids = ids
    }

    /// Records a dispatch. `startNow` is true when its room is running: the caller starts
    /// the agent at once; otherwise `roomStarted` returns it later.
    public func create(agentName: String, room: String, metadata: String, now: RoomInstant) throws(AgentDispatchError) -> (record: AgentDispatchRecord, startNow: Bool) {
        try validate(agentName: agentName, metadata: metadata)
        let existing = byRoom[room] ?? []
        guard existing.count < limits.maxPerRoom else {
            throw .limitReached("room '\(room)' already has \(limits.maxPerRoom) dispatches (limits.max_dispatches_per_room)")
        }
        let isRunning = running.contains(room)
        if existing.isEmpty && !isRunning && pendingRoomCount >= limits.maxPendingRooms {
            throw .limitReached("\(limits.maxPendingRooms) rooms not yet started already have dispatches (limits.max_dispatch_pending_rooms)")
        }
        let record = AgentDispatchRecord(
            id: ids.make(prefix: "AD_"), agentName: agentName, room: room, metadata: metadata,
            createdAtNanoseconds: Self.nanoseconds(now)
        )
        byRoom[room, default: []].append(record)
        return (record, isRunning)
    }

    /// Whether a dispatch with these fields would be accepted, limits on counts aside.
    public func validate(agentName: String, metadata: String) throws(AgentDispatchError) {
        guard !agentName.isEmpty else { throw .invalid("agent_name is required") }
        guard agentName.utf8.count <= limits.maxAgentNameBytes else { throw .invalid("agent_name is longer than \(limits.maxAgentNameBytes) bytes") }
        guard metadata.utf8.count <= limits.maxMetadataBytes else { throw .invalid("metadata is longer than \(limits.maxMetadataBytes) bytes") }
    }

    /// Live dispatches of a room, oldest first; only the one with `id` when it is given.
    public func list(room: String, id: String? = nil) -> [AgentDispatchRecord] {
        let all = byRoom[room] ?? []
        guard let id, !id.isEmpty else { return all }
        return all.filter { $0.id == id }
    }

    /// Ends one dispatch. Returns it with `deletedAt` set, and whether its agent was
    /// started (so the caller cancels it); nil when the room has no such dispatch.
    public func delete(id: String, room: String, now: RoomInstant) -> (record: AgentDispatchRecord, wasRunning: Bool)? {
        guard var list = byRoom[room], let index = list.firstIndex(where: { $0.id == id }) else { return nil }
        var record = list.remove(at: index)
        record.deletedAtNanoseconds = Self.nanoseconds(now)
        byRoom[room] = list.isEmpty ? nil : list
        return (record, running.contains(room))
    }

    /// The room started: returns the dispatches waiting for it, to be started.
    public func roomStarted(_ room: String) -> [AgentDispatchRecord] {
        running.insert(room)
        return byRoom[room] ?? []
    }

    /// The room closed: its dispatches end. Returns them (with `deletedAt` set) so the
    /// caller cancels their agents.
    public func roomFinished(_ room: String, now: RoomInstant) -> [AgentDispatchRecord] {
        running.remove(room)
        let at = Self.nanoseconds(now)
        return (byRoom.removeValue(forKey: room) ?? []).map { record in
            var ended = record
            ended.deletedAtNanoseconds = at
            return ended
        }
    }

    /// Rooms holding dispatches that are not running.
    public var pendingRoomCount: Int {
        byRoom.keys.reduce(0) { $0 + (running.contains($1) ? 0 : 1) }
    }

    static func nanoseconds(_ now: RoomInstant) -> Int64 {
        now.wallMilliseconds.multipliedReportingOverflow(by: 1_000_000).overflow ? .max : now.wallMilliseconds * 1_000_000
    }
}
