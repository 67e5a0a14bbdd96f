import AgentKit
import AgentRuntime
import EventLoop
import Logging
import LoopWebSocketClient
import SystemClock
import WireJSON

/// One agent in one room over the ordinary WebSocket protocol, as any client joins: the
/// headless bot of `wavedefect agent run`, and each job of a worker. It answers the
/// server's pings, sends its own to notice a dead connection, and after a dropped connection
/// resumes (`resume` + `last_seq`) so the agent misses nothing; its agent keeps its state
/// across reconnects.
public final class RoomBot {
    public struct Settings: Sendable, Equatable {
        /// Seconds between the bot's pings.
        public var pingInterval: Double = 5
        /// Seconds without any frame after which the connection is considered dead.
        public var idleTimeout: Double = 15
        /// Reconnect backoff: first wait, and the most it grows to.
        public var initialReconnectDelay: Double = 0.25
        public var maxReconnectDelay: Double = 5
        /// Seconds to keep trying to reconnect before giving up.
        public var reconnectFor: Double = 120
        /// Publications kept while disconnected (oldest dropped past it).
        public var maxPendingPublications = 256
        /// Whether a server shutting down (1001) ends the bot (a worker's job) or is retried
        /// (a standalone bot waits for the server to come back).
        public var endOnServerShutdown = false

        public init() {}
    }

    /// Why the bot stopped for good.
    public enum EndReason: String, Sendable {
        /// `stop()` was called.
        case stopped
        /// Another connection joined as the same identity (4000): a re-dispatched agent took over.
        case replaced
        /// Removed through the admin API (4001).
        case removed
        /// The room closed (4002).
        case roomClosed = "room_closed"
        /// The server shut down (1001) and `endOnServerShutdown` is set.
        case serverShutdown = "server_shutdown"
        /// Could not join (refused upgrade, unreachable) within the reconnect window.
        case failed
    }

    public let url: ServerURL
    private let token: String
    private let loop: EventLoop
    private let settings: Settings
    private let logger: Logger
    public private(set) var host: AgentHost!
    private var client: LoopWebSocketClient?
    private var pending: [AgentPublication] = []
    private var timer: LoopTimer?
    private var lastReceived: UInt64 = 0
    private var lastPing: UInt64 = 0
    private var reconnectDelay: Double
    private var disconnectedSince: UInt64?
    private var ended = false
    /// Times the bot joined (1 after the first `joined`); reconnections are the rest.
    public private(set) var joins = 0
    public var onEnded: ((EndReason) -> Void)?
    public var onJoined: (() -> Void)?

    /// Data topics the agent listens to (subscribed after every join); nil for all.
    private let topics: [String]?

    public init(
        url: ServerURL, token: String, setup: AgentSetup, make: @escaping AgentFactory.Make, topics: [String]? = nil, loop: EventLoop,
        policy: AgentSupervisor.Policy, metrics: AgentMetrics, settings: Settings = Settings(), logger: Logger
    ) {
        self.topics = topics
        self.url = url
        self.token = token
        self.loop = loop
        self.settings = settings
        self.logger = logger
        reconnectDelay = settings.initialReconnectDelay
        host = AgentHost(setup: setup, make: make, loop: loop, policy: policy, metrics: metrics, logger: logger) { [unowned self] publications in
            self.publish(publications)
        }
    }

    public func start() {
        connect()
        let timer = LoopTimer(loop: loop) { [unowned self] in self.tick() }
        timer.start(afterMilliseconds: 250, repeatMilliseconds: 250)
        self.timer = timer
    }

    /// Leaves the room (close 1000) and stops the agent.
    public func stop() {
        end(.stopped)
    }

    private func end(_ reason: EndReason) {
        guard !ended else { return }
        ended = true
        timer?.stop()
        timer = nil
        host.stop()
        if let client {
            if client.isOpen { client.close(code: 1000) } else { client.connection?.close() }
        }
        logger.info("agent left the room", metadata: ["agent": "\(host.setup.agentName)", "room": "\(host.setup.room)", "reason": "\(reason.rawValue)"])
        let callback = onEnded
        onEnded = nil
        callback?(reason)
    }

    private var path: String {
        var p = "\(url.prefix)/rtc?access_token=\(token)"
        if let resume = host.roomView.resumeToken {
            p += "&resume=\(resume)&last_seq=\(host.roomView.lastSeq)"
        }
        return p
    }

    private func connect() {
        let client = url.makeClient(path: path)
        self.client = client
        client.onOpen = { [unowned self] in
            self.lastReceived = SystemClock.monotonicNanoseconds
            self.disconnectedSince = nil
            self.reconnectDelay = self.settings.initialReconnectDelay
        }
        client.onText = { [unowned self, unowned client] bytes in
            self.lastReceived = SystemClock.monotonicNanoseconds
            guard let message = try? JSONParser.parse(bytes) else { return }
            if message["type"]?.stringValue == "joined" {
                self.joins += 1
                if let topics = self.topics {
                    client.send(text: JSONValue.object(JSONObject([("type", "subscribe"), ("topics", .array(topics.map { .string($0) }))])).serialized)
                }
                self.flushPending()
                self.onJoined?()
            }
            self.host.receive(message)
        }
        client.onBinary = { [unowned self] bytes in
            self.lastReceived = SystemClock.monotonicNanoseconds
            self.host.receive(binaryFrame: bytes)
        }
        client.onFailure = { [unowned self, unowned client] why in
            self.logger.info("agent connection failed", metadata: ["agent": "\(self.host.setup.agentName)", "why": "\(why.prefix(200))"])
            // A refused upgrade (token, room gone) will not get better by retrying.
            if why.hasPrefix("HTTP/1.1 4") {
                return self.end(why.hasPrefix("HTTP/1.1 404") && self.joins > 0 ? .roomClosed : .failed)
            }
            // A failed connect never opened a socket, so no close follows: retry from here.
            if client.connection == nil { self.closed(nil) }
        }
        client.onClose = { [unowned self] code in self.closed(code) }
        client.start(loop: loop, host: url.host, port: url.port)
    }

    private func closed(_ code: UInt16?) {
        client = nil
        guard !ended else { return }
        switch code {
        case 4000: return end(.replaced)
        case 4001: return end(.removed)
        case 4002: return end(.roomClosed)
        case 1001 where settings.endOnServerShutdown: return end(.serverShutdown)
        default: break
        }
        if disconnectedSince == nil { disconnectedSince = SystemClock.monotonicNanoseconds }
        logger.info("agent connection lost, reconnecting", metadata: ["agent": "\(host.setup.agentName)", "code": "\(code.map(String.init) ?? "none")"])
        let delay = reconnectDelay
        reconnectDelay = min(reconnectDelay * 2, settings.maxReconnectDelay)
        reconnectAt = SystemClock.monotonicNanoseconds + UInt64(delay * 1e9)
    }

    private var reconnectAt: UInt64?

    private func tick() {
        let now = SystemClock.monotonicNanoseconds
        if let at = reconnectAt {
            if let since = disconnectedSince, Double(now &- since) / 1e9 > settings.reconnectFor { return end(.failed) }
            if now >= at {
                reconnectAt = nil
                connect()
            }
            return
        }
        guard let client, client.isOpen else { return }
        if Double(now &- lastReceived) / 1e9 > settings.idleTimeout {
            logger.info("agent connection silent, dropping it", metadata: ["agent": "\(host.setup.agentName)"])
            client.connection?.close()
            return
        }
        if Double(now &- lastPing) / 1e9 >= settings.pingInterval {
            lastPing = now
            client.send(text: Array(#"{"type":"ping"}"#.utf8))
        }
    }

    private func publish(_ publications: [AgentPublication]) {
        pending += publications
        if pending.count > settings.maxPendingPublications { pending.removeFirst(pending.count - settings.maxPendingPublications) }
        flushPending()
    }

    private func flushPending() {
        guard let client, client.isOpen, joins > 0 else { return }
        for p in pending { client.send(text: Self.publishMessage(p)) }
        pending.removeAll()
    }

    /// `{"type":"publish","topic":…,"payload":…,"reliable":…,"destinations":[…]}`.
    static func publishMessage(_ p: AgentPublication) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: p.payload.count + 128)
        w.beginObject()
        w.key("type"); w.string("publish")
        w.key("topic"); w.string(p.topic)
        w.key("payload"); w.raw(p.payload)
        w.key("reliable"); w.bool(p.reliable)
        if let d = p.destinations {
            w.key("destinations")
            w.beginArray()
            for identity in d { w.string(identity) }
            w.endArray()
        }
        w.endObject()
        return w.bytes
    }
}
