import AccessToken
import ClusterCore
import RoomCore
import SystemClock

/// Registered agent workers and the jobs they run. A dispatch goes to the least loaded
/// worker offering its agent name (fewest jobs, ties to the earliest registered); a worker
/// that disconnects has its jobs dispatched again, to another worker or in-process. In a
/// cluster the choice is made across every node's workers (`ClusterAgents`), and a worker
/// here may run jobs for rooms on other nodes (`AgentJob.origin`).
final class WorkerPool {
    unowned let server: WaveDefectServer
    private(set) var workers: [WorkerConnection] = []
    private var ids = IDGenerator()
    /// Jobs moved after their worker disappeared (for /metrics).
    private(set) var redispatchedJobs = 0

    init(server: WaveDefectServer) {
        self.server = server
    }

    func makeWorkerID() -> String { ids.make(prefix: "AW_") }

    func registered(_ worker: WorkerConnection) {
        workers.append(worker)
        changed()
    }

    /// A worker registered, left, reported its status or took or dropped a job: the cluster's
    /// copy of this node's workers is rewritten (next loop turn).
    func changed() {
        server.cluster?.workersChanged()
    }

    var jobCount: Int { workers.reduce(0) { $0 + $1.jobs.count } }

    /// This node's workers as the cluster sees them.
    func records(node: String, draining: Bool) -> [WorkerRecord] {
        workers.filter(\.isRegistered).map { w in
            WorkerRecord(
                id: w.id, nodeID: node, agentNames: w.agentNames.sorted(), load: w.load,
                jobCount: w.jobs.count, maxJobs: w.maxJobs, status: draining || w.tcp.isClosing ? "draining" : w.saysFull ? "full" : "available",
                registeredAt: w.registeredAt)
        }
    }

    func worker(id: String) -> WorkerConnection? {
        workers.first { $0.id == id }
    }

    /// Sends `job` to the least loaded worker that runs its agent. False when none can.
    func assign(_ job: AgentJob) -> Bool {
        let candidates = workers.filter { $0.agentNames.contains(job.agentName) && $0.jobs.count < $0.maxJobs && !$0.tcp.isClosing && !$0.saysFull }
        guard let worker = candidates.min(by: { $0.jobs.count < $1.jobs.count }) else { return false }
        return assign(job, to: worker)
    }

    /// Sends `job` to `worker` with a join token signed by the worker's own key. False when
    /// the worker cannot take it (gone, full, not that agent, key unknown).
    func assign(_ job: AgentJob, to worker: WorkerConnection) -> Bool {
        guard worker.agentNames.contains(job.agentName), worker.jobs.count < worker.maxJobs, !worker.tcp.isClosing,
              let secret = server.verifier.keys[worker.apiKey] else { return false }
        let identity = AgentDispatcher.identity(for: job.agentName)
        let now = SystemClock.wallSeconds
        var grant = VideoGrant(room: job.room, roomJoin: true)
        grant.canPublishData = true
        grant.canSubscribe = true
        grant.canUpdateOwnMetadata = true
        grant.agent = true
        let claims = AccessTokenClaims(
            issuer: worker.apiKey, identity: identity, expiresAt: now + 24 * 3600, notBefore: now - 1, name: job.agentName,
            attributes: ["agent.name": job.agentName], kind: "agent", video: grant
        )
        worker.jobs[job.id] = job
        if job.origin == nil { job.runner = .worker(worker) }
        worker.sendAssignment(job, identity: identity, token: AccessTokenMinter.mint(claims, secret: secret))
        server.logger.info("agent started on a worker", metadata: [
            "agent": "\(job.agentName)", "room": "\(job.room)", "worker": "\(worker.id)", "job": "\(job.id)", "room_node": "\(job.origin ?? "here")",
        ])
        changed()
        return true
    }

    /// The dispatch was deleted or its room closed: the worker's agent leaves.
    func terminate(_ job: AgentJob, on worker: WorkerConnection) {
        guard worker.jobs.removeValue(forKey: job.id) != nil else { return }
        worker.sendTermination(jobID: job.id, reason: "dispatch ended")
        changed()
    }

    /// A job run here for another node's room ended there (`ClusterAgents`).
    func terminate(jobID: String) {
        for worker in workers {
            if let job = worker.jobs[jobID] { return terminate(job, on: worker) }
        }
    }

    /// The worker reports that a job's agent left the room. An agent that could not join
    /// (`failed`) is run in-process instead; one that left because the room closed or it was
    /// replaced is simply done. For another node's room, that node is told and decides.
    func jobEnded(_ jobID: String, on worker: WorkerConnection, reason: String) {
        guard let job = worker.jobs.removeValue(forKey: jobID) else { return }
        changed()
        if let origin = job.origin {
            server.clusterAgents?.tellOrigin(origin, job: job, reason: reason)
            return
        }
        if case .worker(let w)? = job.runner, w === worker { job.runner = nil }
        guard reason == "failed", !job.ended, let room = server.registry.room(named: job.room) else { return }
        server.agentDispatcher.startLocal(job, in: room)
    }

    /// The worker is gone: each of its jobs is dispatched again (by the room's node, for
    /// jobs of rooms elsewhere).
    func disconnected(_ worker: WorkerConnection) {
        workers.removeAll { $0 === worker }
        let orphans = worker.jobs.values.sorted { $0.createdAtMilliseconds < $1.createdAtMilliseconds }
        worker.jobs.removeAll()
        if worker.isRegistered {
            server.logger.info("agent worker left", metadata: ["worker": "\(worker.id)", "jobs": "\(orphans.count)"])
            changed()
        }
        for job in orphans { if let origin = job.origin { server.clusterAgents?.tellOrigin(origin, job: job, reason: "worker_gone") } }
        guard !server.isShuttingDown else { return }
        for job in orphans where job.origin == nil {
            job.runner = nil
            guard !job.ended, let room = server.registry.room(named: job.room) else { continue }
            redispatchedJobs += 1
            server.agentDispatcher.start(job, in: room)
        }
    }

    /// A job of this node's room moved because its worker (on another node) went away.
    func countRedispatch() {
        redispatchedJobs += 1
    }
}
