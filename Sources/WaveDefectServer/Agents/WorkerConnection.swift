import AccessToken
import ByteStorage
import EventLoop
import Logging
import SystemClock
import WebSocketCore
import WireJSON
import WireProtocol

/// A registered agent worker's WebSocket (`GET /agent`, docs/agents.md#worker-protocol):
/// it registers the agent names it runs, receives job assignments and terminations, and
/// reports jobs that ended. When it goes away its jobs are dispatched again.
final class WorkerConnection: WebSocketServerConnection {
    /// The API key the worker authenticated with: the join tokens of its jobs are signed
    /// with it, so a worker only ever holds tokens its own key could have minted.
    let apiKey: String
    let id: String
    private(set) var agentNames: Set<String> = []
    private(set) var maxJobs = 0
    /// Job id → dispatch, for the jobs this worker runs.
    var jobs: [String: AgentJob] = [:]
    var isRegistered: Bool { !agentNames.isEmpty }
    /// When it first registered (ms since the epoch): ties between workers go to the oldest.
    private(set) var registeredAt: Int64 = 0
    /// The load (0…1) of its last `status` message, if it sent one (LiveKit's
    /// `UpdateWorkerStatus.load`), and how many jobs it had here then.
    private var reported: (load: Double, jobs: Int)?
    /// Its load as the cluster compares it: the last reported one while its job count is what
    /// it was then — a job assigned or ended since makes the report stale (a burst of
    /// dispatches must not all go to a worker that said 0 before the first of them) — else
    /// its jobs over `maxJobs`.
    var load: Double {
        if let reported, reported.jobs == jobs.count { return reported.load }
        return Double(jobs.count) / Double(max(maxJobs, 1))
    }
    /// It said `"status":"full"`: it takes no new job until it says `available`.
    private(set) var saysFull = false

    init(server: WaveDefectServer, tcp: TCPConnection, apiKey: String, id: String) {
        self.apiKey = apiKey
        self.id = id
        super.init(server: server, tcp: tcp)
    }

    override var logMetadata: Logger.Metadata { ["worker": "\(id)"] }

    override func receivedText(_ payload: UnsafeRawBufferPointer, now: UInt64) {
        handle(payload)
    }

    override func receivedBinary(_ payload: UnsafeRawBufferPointer, now: UInt64) {
        send(ServerMessage.error(.badMessage("the worker protocol is JSON text frames")))
    }

    private func handle(_ bytes: UnsafeRawBufferPointer) {
        guard let message = try? JSONParser.parse(bytes), let type = message["type"]?.stringValue else {
            return send(ServerMessage.error(.badJSON("expected a JSON object with a type")))
        }
        switch type {
        case "register":
            guard let names = message["agents"]?.stringArrayValue, !names.isEmpty, names.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64 }) else {
                return send(ServerMessage.error(.badMessage("register needs agents: a non-empty array of names (1–64 bytes)")))
            }
            let limit = message["max_jobs"]?.int64Value ?? 64
            guard limit >= 1 && limit <= 100_000 else { return send(ServerMessage.error(.badMessage("max_jobs must be 1 to 100000"))) }
            let first = !isRegistered
            agentNames = Set(names)
            maxJobs = Int(limit)
            send(ServerMessage.typed("registered") { w in
                w.key("worker_id"); w.string(id)
                w.key("agents"); w.beginArray(); for n in agentNames.sorted() { w.string(n) }; w.endArray()
                w.key("max_jobs"); w.int(maxJobs)
                w.key("server_version"); w.string(WaveDefectServer.version)
            })
            server.logger.info("agent worker registered", metadata: ["worker": "\(id)", "agents": "\(agentNames.sorted())", "max_jobs": "\(maxJobs)"])
            if first {
                registeredAt = SystemClock.wallMilliseconds
                server.workers.registered(self)
            } else {
                server.workers.changed()
            }
        case "status":
            // LiveKit's UpdateWorkerStatus: `status` available|full, `load` 0…1.
            let status = message["status"]?.stringValue ?? (saysFull ? "full" : "available")
            guard status == "available" || status == "full" else { return send(ServerMessage.error(.badMessage("status must be available or full"))) }
            if let load = message["load"] {
                guard let value = load.doubleValue, value >= 0, value <= 1 else { return send(ServerMessage.error(.badMessage("load must be a number from 0 to 1"))) }
                reported = (value, jobs.count)
            }
            saysFull = status == "full"
            server.workers.changed()
        case "job_ended":
            guard let jobID = message["job_id"]?.stringValue else { return send(ServerMessage.error(.badMessage("job_ended needs job_id"))) }
            server.workers.jobEnded(jobID, on: self, reason: message["reason"]?.stringValue ?? "")
        case "ping":
            send(ServerMessage.typed("pong") { w in w.key("server_t"); w.int(SystemClock.wallMilliseconds) })
        default:
            send(ServerMessage.error(.unknownType(type)))
        }
    }

    /// `{"type":"assignment","job":{…},"token":JWT}`.
    func sendAssignment(_ job: AgentJob, identity: String, token: String) {
        send(ServerMessage.typed("assignment", capacity: 512 + token.utf8.count) { w in
            w.key("job")
            w.beginObject()
            w.key("id"); w.string(job.id)
            w.key("dispatch_id"); w.string(job.dispatchID)
            w.key("agent_name"); w.string(job.agentName)
            w.key("room"); w.string(job.room)
            w.key("identity"); w.string(identity)
            w.key("metadata"); w.string(job.metadata)
            w.endObject()
            w.key("token"); w.string(token)
        })
    }

    func sendTermination(jobID: String, reason: String) {
        send(ServerMessage.typed("termination") { w in
            w.key("job_id"); w.string(jobID)
            w.key("reason"); w.string(reason)
        })
    }

    private func send(_ frame: SharedBytes) {
        guard !tcp.isClosing, machine.isOpen else { return }
        tcp.write(frame)
    }

    override func didClose(cleanly: Bool) {
        server.workers.disconnected(self)
    }
}
