import AccessToken
import ByteStorage
import EventLoop
import SystemClock
import WebSocketCore
import WireJSON
import WireProtocol

/// A registered agent worker's WebSocket (`GET /agent`, docs/agents.md#worker-protocol):
/// it registers the agent names it runs, receives job assignments and terminations, and
/// reports jobs that ended. When it goes away its jobs are dispatched again.
final class WorkerConnection: ServerConnection, TCPConnectionHandler {
    unowned let server: WaveDefectServer
    let tcp: TCPConnection
    /// The API key the worker authenticated with: the join tokens of its jobs are signed
    /// with it, so a worker only ever holds tokens its own key could have minted.
    let apiKey: String
    let id: String
    private var decoder: WebSocketDecoder
    private var machine: WebSocketConnectionStateMachine
    private var discardingInput = false
    private(set) var agentNames: Set<String> = []
    private(set) var maxJobs = 0
    /// Job id → dispatch, for the jobs this worker runs.
    var jobs: [String: AgentJob] = [:]
    var isRegistered: Bool { !agentNames.isEmpty }

    init(server: WaveDefectServer, tcp: TCPConnection, apiKey: String, id: String) {
        self.server = server
        self.tcp = tcp
        self.apiKey = apiKey
        self.id = id
        decoder = WebSocketDecoder(role: .server, limits: server.configuration.limits.webSocket)
        machine = WebSocketConnectionStateMachine(configuration: server.connectionConfiguration, now: SystemClock.monotonicNanoseconds)
    }

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
        // After a protocol error the rest is read and dropped until the peer closes or the
        // close deadline passes (WebSocketSession does the same).
        guard !discardingInput else { return }
        let now = SystemClock.monotonicNanoseconds
        let heldBefore = decoder.heldBytes
        defer { settleHeldBytes(from: heldBefore, now: now) }
        do {
            try decoder.decode(bytes) { event in
                guard !tcp.isClosing else { return }
                machine.receivedFrame(now: now)
                switch event {
                case .text(let payload):
                    if machine.isOpen { handle(payload) }
                case .binary:
                    send(ServerMessage.error(.badMessage("the worker protocol is JSON text frames")))
                case .ping(let payload):
                    perform(machine.receivedPing(payload))
                case .pong(let payload):
                    _ = machine.receivedPong(payload, now: now)
                case .close(let code, _):
                    perform(machine.receivedClose(code))
                }
            }
        } catch {
            fail(error.closeCode, reason: error.reason, now: now)
        }
    }

    /// Counts what the decoder keeps for unfinished messages in the server-wide budget, as a
    /// participant's connection does; a worker that grows it while it is exhausted gets 1009.
    private func settleHeldBytes(from before: Int, now: UInt64) {
        let after = decoder.heldBytes
        guard !server.partialMessagesChanged(from: before, to: after, ["worker": "\(id)"]) else { return }
        let refusal = PartialMessageBudget.refusal
        fail(refusal.closeCode, reason: refusal.reason, now: now)
        _ = server.partialMessages.change(from: after, to: decoder.heldBytes)
    }

    /// Our close frame, then the rest of the input is dropped until the peer closes or the
    /// close deadline passes; what the decoder held is let go (and given back to the budget
    /// by the caller's settling).
    private func fail(_ code: WebSocketCloseCode, reason: String, now: UInt64) {
        discardingInput = true
        decoder = WebSocketDecoder(role: .server, limits: server.configuration.limits.webSocket)
        perform(machine.close(code, reason: reason, now: now))
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
            if first { server.workers.registered(self) }
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

    private func perform(_ action: WebSocketConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .sendPong(let data):
            tcp.write(WebSocketFrameEncoder.frame(.pong, payload: data))
        case .sendPing(let data):
            tcp.write(WebSocketFrameEncoder.frame(.ping, payload: data))
        case .sendClose(let code, let reason):
            tcp.write(WebSocketFrameEncoder.frame(.close, payload: WebSocketFrameEncoder.closePayload(code, reason: reason)))
            // FIN once it is out; the socket closes on the peer's close or the deadline.
            tcp.shutdownAfterFlush()
        case .replyCloseAndShutdown(let code):
            tcp.write(WebSocketFrameEncoder.frame(.close, payload: code.map { WebSocketFrameEncoder.closePayload($0, reason: "") } ?? []))
            tcp.closeAfterFlush()
        case .shutdown:
            tcp.close()
        }
    }

    func pingNow() {
        perform(machine.ping(now: SystemClock.monotonicNanoseconds))
    }

    // MARK: ServerConnection

    /// Worker connections are few: looked at every sweep.
    override func sweep(now: UInt64) -> UInt64 {
        guard !tcp.isClosing else { return .max }
        perform(machine.tick(now: now))
        return 0
    }

    override func shutdown() {
        perform(machine.close(.goingAway, reason: "server shutting down", now: SystemClock.monotonicNanoseconds))
    }

    override func forceClose() {
        tcp.close()
    }

    func connectionDidClose(_ connection: TCPConnection) {
        _ = server.partialMessages.change(from: decoder.heldBytes, to: 0)
        decoder = WebSocketDecoder(role: .server, limits: server.configuration.limits.webSocket)
        machine.connectionClosed()
        server.removeConnection(self)
        server.workers.disconnected(self)
    }
}
