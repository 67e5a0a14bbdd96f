import RoomCore

/// The server's side of agent dispatch: the registry decides, these carry it out by calling
/// the runtime's `AgentDispatchHandler`.
extension WaveDefectServer {
    /// Records a dispatch of `agentName` to `room` and, when the room is running, has the
    /// handler start it now; otherwise it starts with the room.
    @discardableResult
    public func createAgentDispatch(agentName: String, room: String, metadata: String) throws(AgentDispatchError) -> AgentDispatchRecord {
        let (record, startNow) = try agentDispatches.create(agentName: agentName, room: room, metadata: metadata, now: RoomInstant.current)
        logger.info("agent dispatch created", metadata: ["id": "\(record.id)", "agent": "\(agentName)", "room": "\(room)", "waiting": "\(!startNow)"])
        if startNow, let live = registry.room(named: room) { agentDispatchHandler?.dispatch(record, room: live) }
        return record
    }

    /// Ends a dispatch (its agent is cancelled if it was running); nil when the room has no
    /// dispatch with that id.
    public func deleteAgentDispatch(id: String, room: String) -> AgentDispatchRecord? {
        guard let (record, wasRunning) = agentDispatches.delete(id: id, room: room, now: RoomInstant.current) else { return nil }
        logger.info("agent dispatch deleted", metadata: ["id": "\(id)", "room": "\(room)"])
        if wasRunning { agentDispatchHandler?.cancel(record) }
        return record
    }

    /// Rooms starting and closing drive their dispatches; the room tells through its
    /// lifecycle events (the same ones webhooks carry).
    func agentDispatchRoomEvent(_ event: WebhookEvent) {
        switch event.kind {
        case .roomStarted:
            let waiting = agentDispatches.roomStarted(event.room.name)
            guard !waiting.isEmpty, let room = registry.room(named: event.room.name) else { return }
            for record in waiting { agentDispatchHandler?.dispatch(record, room: room) }
        case .roomFinished:
            for record in agentDispatches.roomFinished(event.room.name, now: RoomInstant.current) { agentDispatchHandler?.cancel(record) }
        case .participantJoined, .participantLeft:
            break
        }
    }
}
