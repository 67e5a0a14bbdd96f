import ClusterCore
import HTTPCore
import Logging
import RoomCore
import SystemClock
import WireJSON

/// Agent dispatch across the cluster (docs/cluster.md#agent-dispatch-across-nodes), the way
/// LiveKit's server picks a worker by load: every node publishes its registered workers
/// (`ClusterKeys.workers`, renewed with its registration); a job for a room is placed by the
/// room's node on the least loaded eligible worker of any node (`WorkerRecord.candidates`).
/// A worker on another node is offered the job through that node (a node-to-node call over
/// `ClusterCalls`); it answers yes (the assignment went out) or no, and a no, a dead node or
/// a timeout moves the offer to the next worker. No worker left: in-process, as on one node.
///
/// The room's node owns the job: it terminates it (dispatch deleted, room closed) and
/// re-dispatches it when the worker's node tells it the worker left or the job failed, or
/// when that node stops answering (its calls channel has no subscriber).
final class ClusterAgents {
    unowned let server: WaveDefectServer
    let node: ClusterNode
    let calls: ClusterCalls
    private var logger: Logger { server.logger }

    init(server: WaveDefectServer, node: ClusterNode, calls: ClusterCalls) {
        self.server = server
        self.node = node
        self.calls = calls
    }

    // MARK: The room's node

    /// Other nodes' workers as last read (every renewal, and at each dispatch that uses them).
    private(set) var remoteWorkers: [WorkerRecord] = []
    /// The registrations (load) of the nodes those workers are on, read with them: among
    /// workers of equal load, one on a less loaded node gets the job.
    private(set) var remoteNodes: [String: NodeRecord] = [:]

    /// Every renewal: other nodes' workers are read again, and the nodes running this node's
    /// jobs are checked.
    func renewed() {
        readWorkers { _ in }
        checkNodes()
    }

    /// Reads every node's list in one round trip; `done(nil)` when Redis cannot answer.
    private func readWorkers(_ done: @escaping ([WorkerRecord]?) -> Void) {
        node.redis.command(["EVAL", ClusterKeys.workersScript, "1", ClusterKeys.nodes, ClusterKeys.workers(""), ClusterKeys.node("")]) { [weak self] result in
            guard let self else { return }
            guard case .success(let value) = result else {
                if case .failure(let error) = result {
                    self.logger.debug("cannot read the cluster's agent workers", metadata: ["redis": "\(self.node.redis.address)", "error": "\(error.message)"])
                }
                return done(nil)
            }
            var records: [WorkerRecord] = []
            var nodes: [String: NodeRecord] = [:]
            let pairs = value.array ?? []
            for i in stride(from: 0, to: pairs.count - 1, by: 2) {
                if let bytes = pairs[i].bytes { records += WorkerRecord.list(json: bytes) }
                if let bytes = pairs[i + 1].bytes, let record = NodeRecord(json: bytes), record.id != self.node.nodeID { nodes[record.id] = record }
            }
            self.remoteNodes = nodes
            let others = records.filter { $0.nodeID != self.node.nodeID }
            if Set(others.map(\.key)) != Set(self.remoteWorkers.map(\.key)) {
                self.logger.info("agent workers on other nodes", metadata: ["workers": "\(others.map(\.key).sorted())"])
            }
            self.remoteWorkers = others
            done(others)
        }
    }

    /// Places `job`. When no other node is known to have a worker for it (the list read at
    /// the last renewal, at most a third of a lease old), at once among this node's workers,
    /// then in-process — exactly as a node alone, so an in-process agent is in the room from
    /// its first turn. Otherwise every node's workers are read again first (one round trip;
    /// this node's own come from memory). Redis unreachable: this node's workers only.
    func start(_ job: AgentJob, in room: Room) {
        let local = server.workers.records(node: node.nodeID, draining: node.isStopping)
        guard node.redis.isConnected, remoteWorkers.contains(where: { $0.canTake(job.agentName) }) else {
            return offer(job, room: room.name, among: local, tried: [])
        }
        let name = room.name
        readWorkers { [weak self] others in
            guard let self else { return }
            self.offer(job, room: name, among: (others ?? []) + self.server.workers.records(node: self.node.nodeID, draining: self.node.isStopping), tried: [])
        }
    }

    /// Offers `job` to the best worker not tried yet; none left: in-process (or the warning
    /// that nothing runs it), exactly as on one node.
    private func offer(_ job: AgentJob, room name: String, among records: [WorkerRecord], tried: Set<String>) {
        guard !job.ended, job.runner == nil, let room = server.registry.room(named: name), !room.isClosed else { return }
        guard let worker = WorkerRecord.candidates(for: job.agentName, among: records, localNode: node.nodeID, nodes: remoteNodes, excluding: tried).first else {
            return server.agentDispatcher.startLocal(job, in: room)
        }
        let tried = tried.union([worker.key])
        if worker.nodeID == node.nodeID {
            if let connection = server.workers.worker(id: worker.id), server.workers.assign(job, to: connection) { return }
            return offer(job, room: name, among: records, tried: tried)
        }
        let body = Self.json { w in
            w.key("job_id"); w.string(job.id)
            w.key("dispatch_id"); w.string(job.dispatchID)
            w.key("agent_name"); w.string(job.agentName)
            w.key("room"); w.string(job.room)
            w.key("metadata"); w.string(job.metadata)
            w.key("created_at"); w.int(job.createdAtMilliseconds)
            w.key("worker_id"); w.string(worker.id)
        }
        calls.call("agents/offer", body: body, on: worker.nodeID) { [weak self] response in
            guard let self else { return }
            guard response.status.code == 200 else {
                self.logger.info("agent worker on another node did not take the job; trying the next", metadata: [
                    "agent": "\(job.agentName)", "room": "\(name)", "node_id": "\(worker.nodeID)", "worker": "\(worker.id)",
                    "answer": "\(response.status.code) \(String(decoding: response.body.prefix(200), as: UTF8.self))",
                ])
                return self.offer(job, room: name, among: records, tried: tried)
            }
            guard !job.ended else { return self.terminate(job, on: worker.nodeID) }
            job.runner = .remote(node: worker.nodeID, worker: worker.id)
            self.logger.info("agent started on a worker of another node", metadata: [
                "agent": "\(job.agentName)", "room": "\(name)", "node_id": "\(worker.nodeID)", "worker": "\(worker.id)", "job": "\(job.id)",
            ])
        }
    }

    /// The dispatch ended or the room closed: the worker's node tells its worker.
    func terminate(_ job: AgentJob, on node: String) {
        calls.call("agents/terminate", body: Self.json { w in w.key("job_id"); w.string(job.id) }, on: node) { _ in }
    }

    /// Every renewal: nodes running jobs of this node's rooms still listen? A node that died
    /// (its Redis connections closed with it) has none; its jobs are dispatched again.
    private func checkNodes() {
        var nodes: Set<String> = []
        for jobs in server.agentDispatcher.byRoom.values {
            for job in jobs { if case .remote(let node, _)? = job.runner { nodes.insert(node) } }
        }
        let peers = nodes.sorted()
        guard !peers.isEmpty else { return }
        node.redis.command(["PUBSUB", "NUMSUB"] + peers.map(ClusterKeys.calls)) { [weak self] result in
            guard let self, case .success(let value) = result, let reply = value.array, reply.count == 2 * peers.count else { return }
            for (i, peer) in peers.enumerated() where reply[2 * i + 1].integer == 0 { self.nodeLost(peer) }
        }
    }

    private func nodeLost(_ peer: String) {
        for (name, jobs) in server.agentDispatcher.byRoom {
            for job in jobs {
                guard case .remote(let node, let worker)? = job.runner, node == peer else { continue }
                logger.warning("agent worker's node is gone; dispatching its job again", metadata: ["node_id": "\(peer)", "worker": "\(worker)", "job": "\(job.id)", "room": "\(name)"])
                redispatch(job)
            }
        }
    }

    private func redispatch(_ job: AgentJob) {
        job.runner = nil
        guard !job.ended, let room = server.registry.room(named: job.room) else { return }
        server.workers.countRedispatch()
        start(job, in: room)
    }

    /// The worker's node reports that a job of this node's room ended: `failed` (the agent
    /// could not join) runs it in-process, as on one node; `worker_gone` dispatches it again;
    /// anything else (room closed, replaced, removed) ends it.
    private func ended(_ jobID: String, room: String, reason: String, from peer: String) {
        guard let job = server.agentDispatcher.job(jobID, in: room), case .remote(let node, _)? = job.runner, node == peer else { return }
        switch reason {
        case "worker_gone":
            redispatch(job)
        case "failed":
            job.runner = nil
            guard !job.ended, let r = server.registry.room(named: room) else { return }
            server.agentDispatcher.startLocal(job, in: r)
        default:
            job.runner = nil
        }
    }

    // MARK: The worker's node

    /// Tells the room's node that a job it placed here ended (`WorkerPool`).
    func tellOrigin(_ origin: String, job: AgentJob, reason: String) {
        let body = Self.json { w in
            w.key("job_id"); w.string(job.id)
            w.key("room"); w.string(job.room)
            w.key("reason"); w.string(reason)
        }
        calls.call("agents/ended", body: body, on: origin) { [weak self] response in
            guard let self, response.status.code != 200 else { return }
            self.logger.warning("cannot tell the room's node that its agent job ended", metadata: [
                "node_id": "\(origin)", "job": "\(job.id)", "reason": "\(reason)", "answer": "\(String(decoding: response.body.prefix(200), as: UTF8.self))",
            ])
        }
    }

    /// A node-to-node call (`ClusterCalls.internalPrefix` + path): answered with a status
    /// and a JSON body.
    func serve(_ path: String, body: [UInt8], from peer: String, reply: @escaping (Int, [UInt8]) -> Void) {
        guard let message = try? JSONParser.parse(body), let jobID = message["job_id"]?.stringValue else {
            return reply(400, Self.error("expected a JSON object with job_id"))
        }
        switch path {
        case "agents/offer":
            guard let agentName = message["agent_name"]?.stringValue, let room = message["room"]?.stringValue,
                  let workerID = message["worker_id"]?.stringValue else { return reply(400, Self.error("offer needs agent_name, room and worker_id")) }
            guard !server.isShuttingDown, let worker = server.workers.worker(id: workerID), !worker.saysFull else {
                return reply(409, Self.error("worker \(workerID) is gone or takes no jobs"))
            }
            let job = AgentJob(
                id: jobID, dispatchID: message["dispatch_id"]?.stringValue ?? "", agentName: agentName, room: room,
                metadata: message["metadata"]?.stringValue ?? "", createdAtMilliseconds: message["created_at"]?.int64Value ?? SystemClock.wallMilliseconds, origin: peer)
            guard server.workers.assign(job, to: worker) else { return reply(409, Self.error("worker \(workerID) cannot take a \(agentName) job now")) }
            reply(200, Self.json { w in w.key("worker_id"); w.string(workerID) })
        case "agents/terminate":
            server.workers.terminate(jobID: jobID)
            reply(200, Self.json { _ in })
        case "agents/ended":
            ended(jobID, room: message["room"]?.stringValue ?? "", reason: message["reason"]?.stringValue ?? "", from: peer)
            reply(200, Self.json { _ in })
        default:
            reply(404, Self.error("unknown node call \(path)"))
        }
    }

    private static func json(_ fill: (inout JSONWriter) -> Void) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        fill(&w)
        w.endObject()
        return w.bytes
    }

    private static func error(_ message: String) -> [UInt8] {
        json { w in w.key("error"); w.string(message) }
    }
}
