import AccessToken
import AgentKit
import AgentRuntime
import CryptoPrimitives
import EventLoop
import Logging
import LoopWebSocketClient
import WireJSON

/// `wavedefect agent worker`: registers with the server's `/agent` endpoint as running
/// `agentNames`, then runs every job the server assigns as a `RoomBot` in the job's room,
/// until the server terminates it or the room ends it (docs/agents.md#worker-protocol).
/// The control connection is re-established with backoff; jobs keep running meanwhile
/// (the server re-dispatches them, and the replacement's join ends ours with 4000).
public final class AgentWorkerClient {
    public let url: ServerURL
    private let apiKey: String
    private let apiSecret: String
    private let factory: AgentFactory
    public let agentNames: [String]
    private let maxJobs: Int
    private let loop: EventLoop
    private let policy: AgentSupervisor.Policy
    private let metrics: AgentMetrics
    private let logger: Logger
    private var botSettings = RoomBot.Settings()
    private var client: LoopWebSocketClient?
    /// Job id → the bot running it.
    public private(set) var jobs: [String: RoomBot] = [:]
    public private(set) var workerID: String?
    private var reconnectDelay = 0.25
    private var retry: LoopTimer?
    private var stopped = false
    public var onRegistered: ((String) -> Void)?

    public init(
        url: ServerURL, apiKey: String, apiSecret: String, factory: AgentFactory, agentNames: [String], maxJobs: Int,
        loop: EventLoop, policy: AgentSupervisor.Policy = .init(), metrics: AgentMetrics, logger: Logger
    ) {
        self.url = url
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.factory = factory
        self.agentNames = agentNames
        self.maxJobs = maxJobs
        self.loop = loop
        self.policy = policy
        self.metrics = metrics
        self.logger = logger
        botSettings.endOnServerShutdown = true
    }

    public func start() {
        connect()
    }

    /// Leaves every room and closes the control connection.
    public func stop() {
        stopped = true
        retry?.stop()
        for bot in jobs.values { bot.stop() }
        jobs.removeAll()
        if let client, client.isOpen { client.close(code: 1000) } else { client?.connection?.close() }
    }

    /// A short-lived token for `/agent`, minted with the worker's own key (`video.agent`).
    func workerToken() -> String {
        let wall = WallClock.seconds
        var grant = VideoGrant()
        grant.agent = true
        let identity = "worker-" + Base64.encode(Digest.randomBytes(6), urlSafe: true)
        return AccessTokenMinter.mint(AccessTokenClaims(issuer: apiKey, identity: identity, expiresAt: wall + 600, notBefore: wall - 1, video: grant), secret: apiSecret)
    }

    private func connect() {
        let client = url.makeClient(path: "\(url.prefix)/agent?access_token=\(workerToken())")
        self.client = client
        client.onOpen = { [unowned self, unowned client] in
            var w = JSONWriter()
            w.beginObject()
            w.key("type"); w.string("register")
            w.key("agents"); w.beginArray(); for n in agentNames { w.string(n) }; w.endArray()
            w.key("max_jobs"); w.int(maxJobs)
            w.endObject()
            client.send(text: w.bytes)
        }
        client.onText = { [unowned self] bytes in
            guard let message = try? JSONParser.parse(bytes) else { return }
            self.handle(message)
        }
        client.onFailure = { [unowned self, unowned client] why in
            self.logger.warning("worker connection failed", metadata: ["url": "\(self.url)", "why": "\(why.prefix(200))"])
            if client.connection == nil { self.controlClosed() }
        }
        client.onClose = { [unowned self] _ in self.controlClosed() }
        client.start(loop: loop, host: url.host, port: url.port)
    }

    private func handle(_ message: JSONValue) {
        switch message["type"]?.stringValue {
        case "registered":
            reconnectDelay = 0.25
            workerID = message["worker_id"]?.stringValue
            logger.notice("worker registered", metadata: ["worker": "\(workerID ?? "")", "agents": "\(agentNames)", "url": "\(url)"])
            onRegistered?(workerID ?? "")
        case "assignment":
            assign(message)
        case "termination":
            guard let id = message["job_id"]?.stringValue, let bot = jobs.removeValue(forKey: id) else { return }
            bot.onEnded = nil
            bot.stop()
        case "error":
            logger.error("server refused a worker message", metadata: ["message": "\(message["message"]?.stringValue ?? "")"])
        default:
            break
        }
    }

    private func assign(_ message: JSONValue) {
        guard let job = message["job"], let id = job["id"]?.stringValue, let name = job["agent_name"]?.stringValue,
              let room = job["room"]?.stringValue, let token = message["token"]?.stringValue else { return }
        guard let make = factory.maker(for: name) else {
            return sendJobEnded(id, reason: "failed")
        }
        let setup = AgentSetup(agentName: name, room: room, identity: job["identity"]?.stringValue ?? "agent-\(name)", metadata: job["metadata"]?.stringValue ?? "")
        let bot = RoomBot(url: url, token: token, setup: setup, make: make, topics: factory.topics(for: name), loop: loop, policy: policy, metrics: metrics, settings: botSettings, logger: logger)
        bot.onEnded = { [unowned self] reason in
            self.jobs[id] = nil
            self.sendJobEnded(id, reason: reason.rawValue)
        }
        jobs[id] = bot
        logger.info("job assigned", metadata: ["job": "\(id)", "agent": "\(name)", "room": "\(room)"])
        bot.start()
    }

    private func sendJobEnded(_ id: String, reason: String) {
        guard let client, client.isOpen else { return }
        var w = JSONWriter()
        w.beginObject()
        w.key("type"); w.string("job_ended")
        w.key("job_id"); w.string(id)
        w.key("reason"); w.string(reason)
        w.endObject()
        client.send(text: w.bytes)
    }

    private func controlClosed() {
        client = nil
        workerID = nil
        guard !stopped else { return }
        let delay = reconnectDelay
        reconnectDelay = min(reconnectDelay * 2, 5)
        let timer = LoopTimer(loop: loop) { [unowned self] in
            guard !self.stopped else { return }
            self.connect()
        }
        timer.start(afterMilliseconds: UInt64(delay * 1000))
        retry = timer
    }
}
