import AgentKit
import RoomCore
import SystemClock
import WireProtocol

/// Runs dispatched agents (docs/agents.md#dispatch): each dispatch of an agent name to a
/// room becomes a job, run on the least loaded worker registered for that name or, when no
/// worker offers it, in-process. Dispatches come from the room's definition (`agents:`), the
/// LiveKit `roomConfig.agents` claim of the token whose join created the room, and
/// AgentDispatchService; a job lives until its dispatch is deleted or its room closes.
final class AgentDispatcher {
    unowned let server: WaveDefectServer
    /// The agents this process can run itself.
    var factory: AgentFactory
    /// Jobs by room name, in creation order.
    private(set) var byRoom: [String: [AgentJob]] = [:]
    private var ids = IDGenerator()

    init(server: WaveDefectServer, factory: AgentFactory) {
        self.server = server
        self.factory = factory
    }

    /// A room was created: dispatch the agents its definition lists.
    func roomStarted(_ name: String) {
        guard let room = server.registry.room(named: name) else { return }
        for agentName in room.configuration.agents {
            run(dispatchID: ids.make(prefix: "AD_"), agentName: agentName, metadata: "", in: room)
        }
    }

    /// Starts a job for a dispatch. One job per agent name and room: an agent asked for twice
    /// (definition and token, say) runs once.
    @discardableResult
    func run(dispatchID: String, agentName: String, metadata: String, in room: Room) -> AgentJob {
        if let existing = byRoom[room.name]?.first(where: { $0.agentName == agentName }) { return existing }
        let job = AgentJob(
            id: ids.make(prefix: "AJ_"), dispatchID: dispatchID, agentName: agentName, room: room.name, metadata: metadata,
            createdAtMilliseconds: RoomInstant.current.wallMilliseconds
        )
        byRoom[room.name, default: []].append(job)
        start(job, in: room)
        return job
    }

    func makeDispatchID() -> String { ids.make(prefix: "AD_") }

    func jobs(in room: String) -> [AgentJob] {
        byRoom[room] ?? []
    }

    func job(_ id: String, in room: String) -> AgentJob? {
        byRoom[room]?.first { $0.id == id }
    }

    /// The dispatch ended (deleted): its agent leaves the room.
    func cancel(dispatchID: String, room: String) {
        guard let index = byRoom[room]?.firstIndex(where: { $0.dispatchID == dispatchID }) else { return }
        let job = byRoom[room]!.remove(at: index)
        if byRoom[room]?.isEmpty == true { byRoom[room] = nil }
        job.ended = true
        stop(job)
    }

    /// The room closed: its agents were disconnected with everyone; the jobs end.
    func roomFinished(_ name: String) {
        guard let jobs = byRoom.removeValue(forKey: name) else { return }
        for job in jobs {
            job.ended = true
            stop(job)
        }
    }

    /// An in-process agent's participant was disconnected by the room (closed, replaced).
    func inProcessAgentDisconnected(jobID: String, room: String) {
        guard let job = byRoom[room]?.first(where: { $0.id == jobID }), case .local = job.runner else { return }
        job.runner = nil
    }

    /// Runs a job: on the least loaded worker registered for its name (in a cluster, on any
    /// node: `ClusterAgents`), else in-process.
    func start(_ job: AgentJob, in room: Room) {
        guard !job.ended, !room.isClosed else { return }
        if let cluster = server.clusterAgents { return cluster.start(job, in: room) }
        if server.workers.assign(job) { return }
        startLocal(job, in: room)
    }

    func startLocal(_ job: AgentJob, in room: Room) {
        guard let make = factory.maker(for: job.agentName) else {
            server.logger.warning("no agent of that name runs here and no worker offers it", metadata: [
                "agent": "\(job.agentName)", "room": "\(room.name)",
            ])
            return
        }
        let now = RoomInstant.current
        let identity = Self.identity(for: job.agentName)
        let info = ParticipantInfo(
            sid: server.registry.makeParticipantSID(), identity: identity, name: job.agentName, metadata: "",
            attributes: ["agent.name": job.agentName], kind: .agent, joinedAtMilliseconds: now.wallMilliseconds
        )
        let participant = Participant(
            info: info, permissions: .init(canPublishData: true, canSubscribe: true, canUpdateOwnMetadata: true),
            resumeToken: server.registry.makeResumeToken()
        )
        let setup = AgentSetup(agentName: job.agentName, room: room.name, identity: identity, metadata: job.metadata)
        let agent = InProcessAgent(server: server, room: room, participant: participant, jobID: job.id, setup: setup, make: make)
        job.runner = .local(agent)
        server.logger.info("agent started in-process", metadata: ["agent": "\(job.agentName)", "room": "\(room.name)", "job": "\(job.id)"])
        // Subscribed before it joins: the room never hands it (nor parses for it) the topics
        // it does not listen to.
        if let topics = factory.topics(for: job.agentName) { try? room.subscribe(participant, topics: topics) }
        server.perform(room.join(participant, endpoint: agent, now: now))
    }

    private func stop(_ job: AgentJob) {
        switch job.runner {
        case .local(let agent)?:
            agent.leave()
        case .worker(let worker)?:
            server.workers.terminate(job, on: worker)
        case .remote(let node, _)?:
            server.clusterAgents?.terminate(job, on: node)
        case nil:
            break
        }
        job.runner = nil
    }

    /// An agent's identity in the room: `agent-NAME`. The same name always takes the same
    /// identity, so a re-dispatched agent (worker lost, bot restarted) replaces its
    /// predecessor instead of appearing twice.
    static func identity(for agentName: String) -> String {
        "agent-" + agentName
    }
}

/// One job: an agent name run in a room for a dispatch, and where it runs now (if anywhere).
final class AgentJob {
    /// `AJ_…`, as LiveKit's job ids.
    let id: String
    let dispatchID: String
    let agentName: String
    let room: String
    let metadata: String
    let createdAtMilliseconds: Int64
    var runner: Runner?
    var ended = false
    /// Set on a worker's node for a job of a room on another node: the room's node, which
    /// owns the job (it re-dispatches and terminates it); nil for this node's rooms.
    let origin: String?

    enum Runner {
        case local(InProcessAgent)
        case worker(WorkerConnection)
        /// A worker registered with another node of the cluster.
        case remote(node: String, worker: String)
    }

    init(id: String, dispatchID: String, agentName: String, room: String, metadata: String, createdAtMilliseconds: Int64, origin: String? = nil) {
        self.origin = origin
        self.id = id
        self.dispatchID = dispatchID
        self.agentName = agentName
        self.room = room
        self.metadata = metadata
        self.createdAtMilliseconds = createdAtMilliseconds
    }
}
