import RoomCore

/// The hook through which the agent runtime (in-process agents, headless bots, workers)
/// learns which agents to run: set `WaveDefectServer.agentDispatchHandler` to it. The server
/// keeps the dispatches themselves (`AgentDispatchRegistry`: LiveKit's AgentDispatchService,
/// and any other source of dispatches that calls `WaveDefectServer.createAgentDispatch`) and
/// calls the handler on the loop thread:
///
/// - `dispatch` when a dispatch is to run: created for a running room, or waiting for a room
///   that has just started. The handler starts the agent named `record.agentName` in `room`
///   (joining it as a participant of kind `agent`).
/// - `cancel` when a running dispatch ends: deleted through the API, or its room closed
///   (`record.deletedAtNanoseconds` is set). The handler stops the agent; a dispatch that
///   never ran is never cancelled.
/// - `jobs` when a dispatch is listed: the jobs the handler runs for it now (LiveKit's
///   `AgentDispatchState.jobs`).
///
/// Without a handler, dispatches are recorded and listed but nothing runs them.
public protocol AgentDispatchHandler: AnyObject {
    func dispatch(_ record: AgentDispatchRecord, room: Room)
    func cancel(_ record: AgentDispatchRecord)
    func jobs(for record: AgentDispatchRecord) -> [AgentJobRecord]
}
