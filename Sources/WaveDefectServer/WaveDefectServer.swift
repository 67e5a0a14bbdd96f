import AccessToken
import AgentKit
import AgentRuntime
import ByteStorage
import EventLoop
import HTTPClient
import HTTPCore
import ITunesClient
import Glibc
import Logging
import MusicAgents
import RoomCore
import SystemClock
import TLSCore
import WebSocketCore

/// The listening-room server: one libuv loop owning every socket, the room registry and the
/// glue that carries out what the pure cores decide.
public final class WaveDefectServer {
    public let configuration: ServerConfiguration
    public let loop: EventLoop
    let logger: Logger
    let registry: RoomRegistry
    /// Agent dispatches per room (AgentDispatchService, `AgentDispatch/`).
    let agentDispatches: AgentDispatchRegistry
    /// Runs the agents of dispatches; set by the agent runtime.
    public var agentDispatchHandler: (any AgentDispatchHandler)?
    let verifier: AccessTokenVerifier
    let staticFiles: StaticFileServer
    let backpressure: BackpressurePolicy
    /// Memory of unfinished WebSocket messages over all connections (limits.max_partial_message_bytes).
    var partialMessages: PartialMessageBudget
    /// One instance shared by every WebSocket session.
    let connectionConfiguration: WebSocketConnectionStateMachine.Configuration
    var listener: TCPListener?
    /// The plain-HTTP port that only redirects to https:// (`tls.redirect_port`).
    var redirectListener: TCPListener?
    /// Certificate and key new connections are encrypted with; replaced on SIGHUP.
    var tlsContext: TLSContext?
    private var signalWatchers: [SignalWatcher] = []
    /// Every open connection (HTTP or WebSocket), for the sweep timer.
    var connections = ConnectionRegistry()
    public internal(set) var stats = ServerStats()
    /// The catalog and vector index, opened by `start()`.
    var music: MusicLibrary?
    /// The catalog, index and profile store the shipped agents share.
    var musicContext: MusicContext?
    /// `/api/map` answers, per model, until the vectors change.
    let catalogMaps = CatalogMapCache()
    let buildDemoCatalog: DemoCatalogBuilder?
    var topicRates = TopicRateTracker()
    /// Connections, handshakes and requests per client address.
    var addressLimiter: ClientAddressLimiter
    var memory = HeapTrimmer()
    /// The sessions that asked for periodic `metrics` (WebSocketSession.metrics), by session.
    var metricsSubscriptions: [ObjectIdentifier: MetricsSubscription] = [:]
    private(set) var isShuttingDown = false
    private var shutdownDeadline: UInt64 = 0
    private var pendingActions: [RoomAction] = []
    /// Rooms that queued presence this turn, and rooms still handing out a batch
    /// (`WaveDefectServer+Presence`).
    var presenceRooms: [Room] = []
    var presenceContinuing: [Room] = []
    private var performing = false
    /// Agents: who runs where (in-process or on workers), and their counters.
    var agentDispatcher: AgentDispatcher!
    var workers: WorkerPool!
    public let agentMetrics = AgentMetrics()
    /// The loop's one HTTP client: webhooks, Spotify, iTunes, YouTube
    /// (docs/architecture.md#outgoing-http).
    let httpClient: CurlMulti
    /// Spotify polling per participant, by participant sid.
    var spotifyLinks: [String: SpotifyLink] = [:]
    var spotifyStats = SpotifyStats()
    /// Decodes and embeds iTunes previews (handed in by the executable, which links the
    /// decoder); nil: no iTunes lookups.
    let embedPreview: PreviewEmbedder?
    /// iTunes lookups for tracks the catalog lacks (docs/itunes.md), once the catalog is open.
    var itunes: ITunesPreviewFetcher?
    /// YouTube links for tracks shown in rooms (docs/youtube.md); inert without a key.
    var youtube: YouTubeLinks!
    /// This node's part of a cluster (`--redis`, docs/cluster.md); nil when it runs alone.
    var cluster: ClusterNode?
    /// Twirp calls for rooms on other nodes (cluster only).
    var clusterCalls: ClusterCalls?
    /// Agent dispatch to workers of every node (cluster only).
    var clusterAgents: ClusterAgents?
    /// A read-only node's index following the shared catalog (docs/cluster.md#the-catalog).
    var catalogRefresher: CatalogRefresher?
    /// Called once the server has stopped (shutdown complete).
    public var onStopped: (() -> Void)?

    /// `agents` are the agents this process can run itself (docs/agents.md); `demoCatalog`
    /// builds the demo catalog on a fresh database (`--demo-catalog`).
    public init(
        configuration: ServerConfiguration, logger: Logger, agents: AgentFactory = AgentFactory(), demoCatalog: DemoCatalogBuilder? = nil,
        previewEmbedder: PreviewEmbedder? = nil
    ) throws {
        try configuration.validate()
        tlsContext = try Self.loadTLSContext(configuration, logger: logger)
        buildDemoCatalog = demoCatalog
        embedPreview = previewEmbedder
        self.configuration = configuration
        self.logger = logger
        loop = try EventLoop()
        loop.flushInterval = UInt64(configuration.limits.flushIntervalMilliseconds * 1e6)
        let definitions = try RoomDefinitionLoader.loadDirectory(configuration.roomsDirectory, defaults: configuration.roomDefaults)
        registry = RoomRegistry(definitions: definitions, defaultConfiguration: configuration.roomDefaults, autoCreate: configuration.autoCreateRooms)
        agentDispatches = AgentDispatchRegistry(limits: configuration.limits.agentDispatch)
        verifier = AccessTokenVerifier(keys: configuration.effectiveKeys, leewaySeconds: Int64(configuration.limits.tokenLeeway))
        staticFiles = StaticFileServer(root: configuration.webRoot, cache: !configuration.dev)
        connectionConfiguration = configuration.makeConnectionConfiguration()
        addressLimiter = ClientAddressLimiter(limits: configuration.addressLimits)
        backpressure = BackpressurePolicy(
            lossyDropBytes: configuration.limits.lossyDropBytes, maxBufferedBytes: configuration.limits.maxBufferedBytes,
            maxQueuedOutputBytes: configuration.limits.maxQueuedOutputBytes)
        partialMessages = PartialMessageBudget(limit: configuration.limits.maxPartialMessageBytes)
        httpClient = try CurlMulti(loop: loop, configuration: Self.httpClientConfiguration(configuration.httpClient))
        agentDispatcher = AgentDispatcher(server: self, factory: agents)
        agentDispatchHandler = agentDispatcher
        workers = WorkerPool(server: self)
        youtube = YouTubeLinks(server: self)
        if !definitions.isEmpty {
            logger.info("room definitions loaded", metadata: ["rooms": "\(definitions.keys.sorted())", "dir": "\(configuration.roomsDirectory)"])
        }
    }

    /// Binds the listener and installs signal handlers and the sweep timer. Returns the port
    /// (useful with port 0).
    @discardableResult
    public func start() throws -> Int {
        SignalWatcher.ignoreSIGPIPE()
        let limit = raiseOpenFileLimit()
        try openMusicLibrary()
        try startWebhooks()
        startCluster()
        let listener = try TCPListener(loop: loop, host: configuration.host, port: configuration.port) { [unowned self] tcp in
            self.accept(tcp)
        }
        self.listener = listener
        try startRedirectListener(tlsPort: listener.port)
        signalWatchers.append(SignalWatcher(loop: loop, signal: SIGHUP) { [unowned self] _ in self.reloadTLS() })
        for signal in [SIGINT, SIGTERM] {
            signalWatchers.append(SignalWatcher(loop: loop, signal: signal) { [unowned self] signum in
                self.logger.notice("signal received, shutting down", metadata: ["signal": "\(signum)"])
                self.shutdown()
            })
        }
        loop.addSweeper { [unowned self] now in self.sweep(now: now) }
        loop.turnEndWork = { [unowned self] in
            let more = self.sendPresence()
            // What this turn queued for other nodes (presence included): one PUBLISH per node.
            self.cluster?.relay.flush()
            return more
        }
        logger.notice("listening", metadata: [
            "url": "\(configuration.browserURL(port: listener.port))", "dev": "\(configuration.dev)", "open_files": "\(limit)",
            "tls": "\(tlsContext?.certificate.map { "\($0.subject), valid until \($0.notAfter)" } ?? "off")",
        ])
        return listener.port
    }

    /// Runs the loop until shutdown completes.
    public func run() {
        loop.run()
    }

    /// Connections past `max_connections` that may wait for their `503` to be read; past
    /// that many, a connection is closed on accept.
    static let refusalBacklog = 1024

    /// `redirectingTo`: a connection to the plain-HTTP redirect port, answered with 308s to
    /// that TLS port.
    func accept(_ tcp: TCPConnection, redirectingTo tlsPort: Int? = nil) {
        let full = connections.count >= configuration.limits.maxConnections
        guard !isShuttingDown, !full || connections.count < configuration.limits.maxConnections + Self.refusalBacklog else {
            stats.connectionsRefused += 1
            tcp.close()
            return
        }
        guard tlsPort != nil || secure(tcp) else { return tcp.close() }
        let now = SystemClock.monotonicNanoseconds
        let connection = ClientConnection(server: self, tcp: tcp, now: now, redirectingTo: tlsPort)
        tcp.handler = connection
        if full {
            stats.connectionsRefused += 1
            connections.add(connection)
            return connection.refuse(.serviceUnavailable, retryAfter: 1, "server full: \(configuration.limits.maxConnections) connections (limits.max_connections)")
        }
        guard !addressLimiter.limits.isOff else {
            stats.connectionsAccepted += 1
            return connections.add(connection)
        }
        let address = ClientAddressLimiter.address(ofPeer: tcp.peerAddress)
        if let wait = addressLimiter.open(address, now: now) {
            stats.connectionsRefused += 1
            stats.addressLimitRefusals += 1
            connections.add(connection)
            return connection.refuse(.tooManyRequests, retryAfter: wait, "too many connections from \(address) (limits.max_connections_per_ip: \(addressLimiter.limits.connectionsPerAddress))")
        }
        stats.connectionsAccepted += 1
        connections.add(connection, address: address)
    }

    /// A connection has closed: out of the registry, and its address's count given back.
    func removeConnection(_ c: ServerConnection) {
        if let address = connections.remove(c) { addressLimiter.closed(address, now: loop.turnStart) }
    }

    // MARK: Sweep

    private func sweep(now: UInt64) {
        topicRates.update(rooms: Array(registry.rooms.values), now: now)
        for c in connections.due(at: now) {
            let next = c.sweep(now: now)
            connections.setDeadline(c, next)
        }
        perform(registry.tick(now: RoomInstant.current))
        if memory.shouldTrim(now: now, connections: connections.count, rooms: registry.rooms.count) {
            releaseSpareStorage()
        }
        addressLimiter.sweep(now: now)
        if isShuttingDown {
            if (connections.count == 0 && webhooksIdle && clusterIdle) || now >= shutdownDeadline { finishShutdown() }
        }
    }

    /// After a crowd left or rooms closed: lists sized for the crowd give their storage back,
    /// then the heap's free pages go back to the system.
    private func releaseSpareStorage() {
        loop.releaseSpareBatchStorage()
        if pendingActions.isEmpty && pendingActions.capacity > 1024 { pendingActions = [] }
        ProcessLimits.trimHeap()
    }

    // MARK: Room actions

    /// Carries out room actions in order. Actions produced while doing so (a slow consumer
    /// leaving, say) are queued behind, never run re-entrantly.
    func perform(_ actions: [RoomAction]) {
        pendingActions += actions
        guard !performing else { return }
        performing = true
        defer { performing = false }
        var i = 0
        while i < pendingActions.count {
            let action = pendingActions[i]
            i += 1
            switch action {
            case .send(let frame, let participant):
                participant.endpoint?.deliver(frame, lossy: false, broadcast: false)
            case .broadcast(let frame, let recipients, let lossy):
                stats.broadcasts += 1
                // No retain per recipient, neither of the participant nor of its session
                // (WaveDefectServer+FanOut.swift).
                fanOut(frame, to: recipients, lossy: lossy)
            case .disconnect(let endpoint, let code, let reason):
                endpoint.disconnect(code: code, reason: reason)
            case .presencePending(let room):
                presenceRooms.append(room)
            case .webhook(let event):
                // Room lifecycle drives dispatch: every way a room starts (a join, the admin
                // API, a dispatch) and ends (timeout, deletion) passes through here. Every way
                // out of a room (leave, lost connection, removal, room closed) ends in
                // participantLeft, so the log pairs each "joined" with one "left".
                switch event.kind {
                case .roomStarted:
                    cluster?.roomStarted(event.room.name)
                    agentDispatcher.roomStarted(event.room.name)
                case .roomFinished:
                    cluster?.roomFinished(event.room.name)
                    agentDispatcher.roomFinished(event.room.name)
                case .participantLeft:
                    if let p = event.participant {
                        logger.info("left", metadata: ["room": "\(event.room.name)", "identity": "\(p.identity)", "sid": "\(p.sid)"])
                        spotifyParticipantLeft(sid: p.sid)
                    }
                default: break
                }
                agentDispatchRoomEvent(event)
                webhookSink?(event)
            }
        }
        pendingActions.removeAll(keepingCapacity: true)
    }

    /// Receives webhook events (set up by the webhook dispatcher).
    var webhookSink: ((WebhookEvent) -> Void)?
    /// Delivers webhooks when URLs are configured (Webhooks/).
    var webhooks: WebhookDispatcher?

    // MARK: Shutdown

    /// Graceful shutdown: stop accepting, close every WebSocket with 1001, let writes flush,
    /// stop the loop when every connection is gone or the close timeout passed.
    public func shutdown() {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        listener?.close()
        listener = nil
        redirectListener?.close()
        redirectListener = nil
        shutdownDeadline = SystemClock.monotonicNanoseconds + UInt64(max(configuration.limits.closeTimeout, 0.5) * 1e9)
        cluster?.stop()
        clusterCalls?.stop()
        catalogRefresher?.stop()
        perform(registry.closeAll(code: 1001, reason: "server shutting down", now: RoomInstant.current))
        webhooks?.drain()
        connections.forEach { $0.shutdown() }
        loop.flushDirty()
        if connections.count == 0 && webhooksIdle && clusterIdle {
            finishShutdown()
            return
        }
        // Check again soon rather than waiting for the next sweep.
        let timer = LoopTimer(loop: loop) { [unowned self] in
            if (self.connections.count == 0 && self.webhooksIdle && self.clusterIdle) || SystemClock.monotonicNanoseconds >= self.shutdownDeadline { self.finishShutdown() }
        }
        timer.start(afterMilliseconds: 20, repeatMilliseconds: 20)
        shutdownTimer = timer
    }

    private var shutdownTimer: LoopTimer?
    private var stopped = false

    private func finishShutdown() {
        guard !stopped else { return }
        stopped = true
        shutdownTimer = nil
        connections.forEach { $0.forceClose() }
        signalWatchers.removeAll()
        webhooks?.close()
        stopSpotify()
        // Last: webhooks and Spotify share it.
        httpClient.close()
        cluster?.close()
        logger.notice("stopped", metadata: ["connections_served": "\(stats.connectionsAccepted)"])
        onStopped?()
        loop.stop()
    }

    private func raiseOpenFileLimit() -> Int {
        ProcessLimits.raiseOpenFiles()
    }
}

/// Counters reported by /healthz and /metrics.
public struct ServerStats: Sendable {
    public var connectionsAccepted = 0
    public var connectionsRefused = 0
    /// Connections, requests and handshakes answered `429` by a per-address limit.
    public var addressLimitRefusals = 0
    public var upgrades = 0
    public var refusedUpgrades = 0
    /// `.broadcast` actions carried out: one per data or room message handed to several
    /// participants at once, and one per chunk of a presence batch (a batch to a room of
    /// thousands goes out `presence_deliveries_per_turn` members at a time, so in chunks).
    public var broadcasts = 0
    /// Presence batches handed to one member each (what `presence_deliveries_per_turn`
    /// counts): a turn's joins and leaves of one room reach a member as one delivery.
    public var presenceDeliveries = 0
    public var lossyDropped = 0
    public var slowConsumersDisconnected = 0
    /// Of those, cut off because the server's queued output was over its budget.
    public var outputBudgetCutoffs = 0
    public var protocolErrors = 0
    public var tlsHandshakeFailures = 0
    public var tlsHandshakeTimeouts = 0
    public var tlsReloads = 0
    public var tlsReloadFailures = 0
}
