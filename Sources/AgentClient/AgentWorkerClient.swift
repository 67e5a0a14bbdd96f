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
///
/// Like a LiveKit worker (`UpdateWorkerStatus`), it reports its load — jobs over `maxJobs` —
/// and `full` at capacity: right after it registers, whenever a job starts or ends, and every
/// `statusInterval` seconds, so a cluster orders workers by what they say they carry.
public final class AgentWorkerClient {
    public let url: ServerURL
    private let apiKey: String
    private let apiSecret: String
    private let factory: AgentFactory
    public let agentNames: [String]
    private let maxJobs: Int
    private let statusInterval: Double
    private var statusTimer: LoopTimer?
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
        statusInterval: Double = AgentWorkerClient.defaultStatusInterval, loop: EventLoop, policy: AgentSupervisor.Policy = .init(), metrics: AgentMetrics, logger: Logger
    ) {
        self.url = url
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.factory = factory
        self.agentNames = agentNames
        self.maxJobs = maxJobs
        self.statusInterval = statusInterval
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
        statusTimer?.stop()
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
            sendStatus()
            startStatusTimer()
        case "assignment":
            assign(message)
        case "termination":
            guard let id = message["job_id"]?.stringValue, let bot = jobs.removeValue(forKey: id) else { return }
            bot.onEnded = nil
            bot.stop()
            sendStatus()
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
            self.sendStatus()
        }
        jobs[id] = bot
        logger.info("job assigned", metadata: ["job": "\(id)", "agent": "\(name)", "room": "\(room)"])
        bot.start()
        sendStatus()
    }

    /// LiveKit's default interval between a worker's status updates.
    public static let defaultStatusInterval = 2.5

    /// What the worker reports: its jobs over its capacity, `full` once it is at capacity.
    public var status: (status: String, load: Double) {
        (jobs.count >= maxJobs ? "full" : "available", Double(jobs.count) / Double(max(maxJobs, 1)))
    }

    /// `{"type":"status","status":"available"|"full","load":0.25}` on the control connection.
    private func sendStatus() {
        guard let client, client.isOpen, workerID != nil else { return }
        let now = status
        var w = JSONWriter()
        w.beginObject()
        w.key("type"); w.string("status")
        w.key("status"); w.string(now.status)
        w.key("load"); w.double(now.load)
        w.endObject()
        client.send(text: w.bytes)
    }

    private func startStatusTimer() {
        statusTimer?.stop()
        let every = UInt64(statusInterval * 1000)
        let timer = LoopTimer(loop: loop) { [unowned self] in self.sendStatus() }
        timer.start(afterMilliseconds: every, repeatMilliseconds: every)
        statusTimer = timer
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
        statusTimer?.stop()
        statusTimer = nil
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
