import AgentKit
import HTTPCore
import MusicCatalog
import RoomCore
import WebSocketCore

/// Everything the server can be told, with the defaults `wavedefect serve` runs with. Every
/// limit here is documented in docs/protocol.md and settable from the config file and flags.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 7880
    /// Dev mode: API key `devkey` / secret `secret`, a token endpoint for the web page, and
    /// loopback only.
    public var dev = false
    /// API key → secret.
    public var keys: [String: String] = [:]
    public var databasePath = Catalog.defaultPath
    /// Write and ingest the synthesized demo tracks (`demo/` next to the database) when
    /// they are missing.
    public var demoCatalog = true
    public var roomsDirectory = "rooms"
    public var webRoot = "web"
    public var limits = Limits()
    /// Rooms created on join (and defined rooms that do not say otherwise) seat at most
    /// `defaultMaxParticipants`: every join is announced to everyone in the room and every
    /// joiner is sent the whole list, so an unbounded room costs O(N²). 0 lifts the cap.
    public var roomDefaults = RoomConfiguration(maxParticipants: ServerConfiguration.defaultMaxParticipants)
    public static let defaultMaxParticipants = 1000
    /// Whether joining an unknown room creates it.
    public var autoCreateRooms = true
    public var webhooks = WebhookSettings()
    /// The one outgoing HTTP client (webhooks, Spotify, iTunes, YouTube).
    public var httpClient = HTTPClientSettings()
    /// How in-process agents are supervised (docs/agents.md#failures-and-restarts).
    public var agents = AgentSettings()
    /// Spotify, iTunes and YouTube endpoints and the Spotify polling interval.
    public var spotify = ExternalServiceSettings()
    /// iTunes previews for tracks the catalog lacks (docs/itunes.md).
    public var itunes = ITunesLookupSettings()
    /// HTTPS and wss:// on the listening port (config section `tls`, README#tls).
    public var tls = TLSSettings()
    /// YouTube links for tracks shown in a room (docs/youtube.md).
    public var youtube = YouTubeLookupSettings()
    /// Redis and this node's id, for running several nodes as one (docs/cluster.md).
    public var cluster = ClusterSettings()

    public init() {}

    public static let devKey = "devkey"
    public static let devSecret = "secret"

    public struct Limits: Sendable, Equatable {
        public var webSocket = WebSocketLimits()
        public var http = HTTPLimits()
        /// Seconds a client has to send a complete request head (also before the first byte).
        public var headerTimeout: Double = 10
        /// Seconds an idle keep-alive HTTP connection is kept.
        public var keepAliveTimeout: Double = 60
        /// Seconds of silence before the server pings a WebSocket client.
        public var pingInterval: Double = 15
        /// Seconds of silence after which a WebSocket client is closed (1001).
        public var idleTimeout: Double = 45
        /// Seconds to wait for the client's close frame after sending ours.
        public var closeTimeout: Double = 5
        public var data = DataLimits()
        /// Unsent bytes a subscriber may accumulate before it is disconnected (4003).
        public var maxBufferedBytes = 4 << 20
        /// Unsent bytes above which lossy messages to a subscriber are dropped.
        public var lossyDropBytes = 256 << 10
        /// Unsent bytes of all connections together; above it every subscriber's allowance
        /// falls to `lossyDropBytes` (BackpressurePolicy), cutting off those behind (4003).
        public var maxQueuedOutputBytes = 512 << 20
        /// Bytes all connections' unfinished messages (split frames, fragments) may hold
        /// together; a connection that adds to them beyond it is failed with 1009.
        public var maxPartialMessageBytes = 256 << 20
        /// Largest number of simultaneous connections; past it a connection is answered
        /// `503` with `Retry-After` (up to `refusalBacklog` at a time) or closed on accept.
        public var maxConnections = 100_000
        /// Per client address (nil: the default, which `--dev` turns off): simultaneous
        /// connections, WebSocket handshakes per second, HTTP requests per second. 0 is off.
        public var maxConnectionsPerIP: Int?
        public var handshakesPerSecondPerIP: Double?
        public var requestsPerSecondPerIP: Double?
        /// Milliseconds between write flushes (0: at the end of every loop turn). A window
        /// batches more messages per `writev`, trading latency for CPU.
        public var flushIntervalMilliseconds: Double = 0
        /// Presence deliveries (a batch of joins and leaves to one member) per loop turn,
        /// over all rooms; the rest goes out on the next turns, so a room of thousands
        /// filling up does not hold back the other rooms' turns.
        public var presenceDeliveriesPerTurn = 1024
        /// Seconds of clock skew tolerated on token `exp`/`nbf`.
        public var tokenLeeway: Double = 60
        /// Most tracks in one `/api/tracks` answer, and the longest search query.
        var catalogAPI = CatalogAPIRequest.Limits()
        public var maxCatalogResults: Int {
            get { catalogAPI.maxResults }
            set { catalogAPI.maxResults = newValue }
        }
        public var maxSearchQueryBytes: Int {
            get { catalogAPI.maxQueryBytes }
            set { catalogAPI.maxQueryBytes = newValue }
        }
        /// Live agent dispatches per room (AgentDispatchService), waiting ones included.
        public var maxDispatchesPerRoom = 32
        /// Rooms not yet started that may hold waiting dispatches.
        public var maxDispatchPendingRooms = 1024

        /// Dispatch bounds: counts from above, name and metadata sizes as a participant's.
        public var agentDispatch: AgentDispatchLimits {
            AgentDispatchLimits(
                maxPerRoom: maxDispatchesPerRoom, maxPendingRooms: maxDispatchPendingRooms,
                maxAgentNameBytes: data.participantInfo.maxNameBytes, maxMetadataBytes: data.participantInfo.maxMetadataBytes
            )
        }

        public init() {}
    }

    public struct WebhookSettings: Sendable, Equatable {
        public var urls: [String] = []
        /// The API key whose secret signs webhook bodies (default: the first key).
        public var apiKey: String?
        /// Delivery attempts per event before it is dropped (and logged).
        public var maxAttempts = 5
        /// Seconds before the first retry; doubles each time.
        public var initialBackoff: Double = 0.5
        /// Seconds one attempt may take.
        public var timeout: Double = 5
        /// Events waiting per URL; older ones are dropped (and counted) beyond it.
        public var maxQueue = 1000

        public init() {}
    }

    /// Limits of the server's one outgoing HTTP client (config-file section `http_client`,
    /// docs/architecture.md#outgoing-http).
    public struct HTTPClientSettings: Sendable, Equatable {
        /// Requests in flight at once to one host (scheme, host, port).
        public var maxRequestsPerHost = 16
        /// Requests waiting per host beyond those; more fail at once (`queueFull`).
        public var maxQueuedPerHost = 1024
        /// Connections open at once over all hosts.
        public var maxConnections = 128
        /// Largest response body unless a request sets a smaller cap (Spotify 1 MiB,
        /// webhooks 64 KiB).
        public var maxResponseBytes = 4 << 20

        public init() {}
    }

    public struct AgentSettings: Sendable, Equatable {
        /// Deadline per event, restart backoff and queue length of every in-process agent.
        public var policy = AgentSupervisor.Policy()

        public init() {}
    }

    /// The per-address limits in effect: as configured, else 256 connections, 20 handshakes
    /// and 200 requests a second — none in dev mode, where every client is this machine.
    public var addressLimits: ClientAddressLimiter.Limits {
        ClientAddressLimiter.Limits(
            connectionsPerAddress: limits.maxConnectionsPerIP ?? (dev ? 0 : 256),
            handshakesPerSecond: limits.handshakesPerSecondPerIP ?? (dev ? 0 : 20),
            requestsPerSecond: limits.requestsPerSecondPerIP ?? (dev ? 0 : 200)
        )
    }

    public func makeConnectionConfiguration() -> WebSocketConnectionStateMachine.Configuration {
        .init(pingIntervalSeconds: limits.pingInterval, idleTimeoutSeconds: limits.idleTimeout, closeTimeoutSeconds: limits.closeTimeout)
    }

    /// Keys in effect: dev keys in dev mode (plus configured ones).
    public var effectiveKeys: [String: String] {
        dev ? keys.merging([Self.devKey: Self.devSecret]) { a, _ in a } : keys
    }
}

/// A configuration mistake found at start-up; the message names the file and field.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension ServerConfiguration {
    /// The address to open in a browser: `http://127.0.0.1:7880/`. A wildcard host (0.0.0.0,
    /// ::) is reached through loopback; an IPv6 literal goes in brackets.
    public func browserURL(port: Int) -> String {
        let reachable: String
        switch host {
        case "0.0.0.0", "": reachable = "127.0.0.1"
        case "::", "[::]": reachable = "::1"
        default: reachable = host
        }
        let bracketed = reachable.contains(":") && !reachable.hasPrefix("[") ? "[\(reachable)]" : reachable
        return "\(tls.isEnabled ? "https" : "http")://\(bracketed):\(port)/"
    }
}
