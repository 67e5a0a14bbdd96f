import RoomCore

/// The agent runtime's dispatcher runs the dispatches of AgentDispatchService (and of
/// CreateRoom's `agents`) as it runs those of room definitions and tokens.
extension AgentDispatcher: AgentDispatchHandler {
    func dispatch(_ record: AgentDispatchRecord, room: Room) {
        run(dispatchID: record.id, agentName: record.agentName, metadata: record.metadata, in: room)
    }

    func cancel(_ record: AgentDispatchRecord) {
        cancel(dispatchID: record.id, room: record.room)
    }

    /// A job runs on a worker, in-process, or waits for either (pending).
    func jobs(for record: AgentDispatchRecord) -> [AgentJobRecord] {
        jobs(in: record.room).filter { $0.dispatchID == record.id }.map { job in
            var r = AgentJobRecord(
                id: job.id, status: .pending, updatedAtNanoseconds: job.createdAtMilliseconds.multipliedReportingOverflow(by: 1_000_000).partialValue
            )
            switch job.runner {
            case .local?:
                r.status = .running
                r.participantIdentity = Self.identity(for: job.agentName)
            case .worker(let worker)?:
                r.status = .running
                r.participantIdentity = Self.identity(for: job.agentName)
                r.workerID = worker.id
            case .remote(_, let worker)?:
                r.status = .running
                r.participantIdentity = Self.identity(for: job.agentName)
                r.workerID = worker
            case nil:
                break
            }
            return r
        }
    }
}
