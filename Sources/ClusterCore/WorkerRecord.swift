import WireJSON

/// An agent worker as the cluster sees it (LiveKit's `WorkerInfo` and `UpdateWorkerStatus`):
/// the node it registered with publishes it under `ClusterKeys.workers(node)`, so a dispatch
/// made on any node can pick it (docs/cluster.md#agent-dispatch-across-nodes).
public struct WorkerRecord: Sendable, Equatable {
    /// `AW_…`, unique on its node.
    public var id: String
    /// The node the worker's `/agent` connection is on: where a job for it is handed.
    public var nodeID: String
    public var agentNames: [String]
    /// 0…1: what the worker last reported in a `status` message, else its jobs over its capacity.
    public var load: Double
    public var jobCount: Int
    public var maxJobs: Int
    /// LiveKit's `WorkerStatus`: `available`; `full` (the worker said so); `draining` (its
    /// node is shutting down or its connection closing). Only `available` takes jobs.
    public var status: String
    /// Milliseconds since the epoch: ties go to the longest registered, as on one node.
    public var registeredAt: Int64

    public init(id: String, nodeID: String, agentNames: [String], load: Double = 0, jobCount: Int = 0, maxJobs: Int = 64, status: String = "available", registeredAt: Int64 = 0) {
        self.id = id
        self.nodeID = nodeID
        self.agentNames = agentNames
        self.load = load
        self.jobCount = jobCount
        self.maxJobs = maxJobs
        self.status = status
        self.registeredAt = registeredAt
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(id)
        w.key("node_id"); w.string(nodeID)
        w.key("agent_names"); w.beginArray(); for n in agentNames { w.string(n) }; w.endArray()
        w.key("load"); w.double((load * 1000).rounded() / 1000)
        w.key("job_count"); w.int(jobCount)
        w.key("max_jobs"); w.int(maxJobs)
        w.key("status"); w.string(status)
        w.key("registered_at"); w.int(registeredAt)
        w.endObject()
    }

    /// A node's workers, as the JSON array stored under `ClusterKeys.workers(node)`.
    public static func json(_ workers: [WorkerRecord]) -> [UInt8] {
        var w = JSONWriter()
        w.beginArray()
        for worker in workers { worker.write(to: &w) }
        w.endArray()
        return w.bytes
    }

    public init?(_ value: JSONValue) {
        guard let o = value.objectValue, let id = o["id"]?.stringValue, let node = o["node_id"]?.stringValue,
              let names = o["agent_names"]?.stringArrayValue else { return nil }
        self.init(
            id: id, nodeID: node, agentNames: names, load: o["load"]?.doubleValue ?? 0, jobCount: Int(o["job_count"]?.int64Value ?? 0),
            maxJobs: Int(o["max_jobs"]?.int64Value ?? 0), status: o["status"]?.stringValue ?? "available", registeredAt: o["registered_at"]?.int64Value ?? 0)
    }

    /// Reads a node's list; entries that are not worker records are skipped, anything else is empty.
    public static func list(json bytes: [UInt8]) -> [WorkerRecord] {
        guard let value = try? JSONParser.parse(bytes), let array = value.arrayValue else { return [] }
        return array.compactMap(WorkerRecord.init)
    }

    /// Whether it may be offered a job for `agentName`: it runs that agent, is `available`,
    /// and is below its capacity.
    public func canTake(_ agentName: String) -> Bool {
        status == "available" && jobCount < maxJobs && agentNames.contains(agentName)
    }

    /// The workers a job for `agentName` is offered to, in order: eligible ones (`canTake`)
    /// not in `excluding` (already tried), least loaded first — lowest load, then fewest
    /// jobs, then a worker of `localNode` (no hop through Redis), then a worker of the less
    /// loaded node (`nodes`, `NodeRecord.isLessLoaded`: the agent's connection and its relay
    /// run on its worker's node; a node without a record comes after those with one), then
    /// the longest registered, then node id and worker id — so every node orders the same
    /// records the same way.
    public static func candidates(
        for agentName: String, among workers: [WorkerRecord], localNode: String, nodes: [String: NodeRecord] = [:], excluding: Set<String> = []
    ) -> [WorkerRecord] {
        workers.filter { $0.canTake(agentName) && !excluding.contains($0.key) }.sorted { x, y in
            if (x.load, x.jobCount) != (y.load, y.jobCount) { return (x.load, x.jobCount) < (y.load, y.jobCount) }
            if (x.nodeID == localNode) != (y.nodeID == localNode) { return x.nodeID == localNode }
            if x.nodeID != y.nodeID {
                switch (nodes[x.nodeID], nodes[y.nodeID]) {
                case (let a?, let b?):
                    if a.isLessLoaded(than: b) { return true }
                    if b.isLessLoaded(than: a) { return false }
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): break
                }
            }
            return (x.registeredAt, x.nodeID, x.id) < (y.registeredAt, y.nodeID, y.id)
        }
    }

    /// `node/worker`: worker ids are unique per node only.
    public var key: String { nodeID + "/" + id }
}

extension ClusterKeys {
    /// The node's registered agent workers, a JSON array of `WorkerRecord`, with the lease's
    /// TTL, renewed with the node's registration and rewritten when a worker registers,
    /// leaves or its jobs change.
    public static func workers(_ node: String) -> String { prefix + "workers:" + node }

    /// Every live node's worker list and registration in one round trip: for each id in
    /// `wavedefect:nodes` (KEYS[1]) whose `workers:<id>` (ARGV[1] is that key's prefix) has
    /// not expired, the list, then its `node:<id>` (ARGV[2] the prefix; "" when expired):
    /// pairs, flat.
    public static let workersScript = """
        local out = {}
        for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          local list = redis.call('GET', ARGV[1] .. id)
          if list then
            table.insert(out, list)
            table.insert(out, redis.call('GET', ARGV[2] .. id) or '')
          end
        end
        return out
        """
}
