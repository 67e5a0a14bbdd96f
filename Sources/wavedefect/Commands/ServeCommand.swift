import ArgumentParser
import ClusterCore
import ITunesClient
import Foundation
import Logging
import MusicAgents
import MusicCommands
import MusicIngest
import WaveDefectServer

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the listening-room server.",
        discussion: """
            Settings come from the defaults, then --config FILE (YAML), then WAVEDEFECT_KEYS, then these flags.
            --dev uses the public dev key (devkey / secret), serves /dev/token for the web page, and refuses
            any host but loopback. SIGHUP reloads the TLS certificate and key (open connections are kept).
            """
    )

    @Option(help: "Address to listen on (127.0.0.1, ::1, 0.0.0.0, …).") var host: String?
    @Option(help: "Port to listen on (0 picks a free one).") var port: Int?
    @Flag(help: "Dev mode: dev keys, /dev/token, loopback only.") var dev = false
    @Option(help: "YAML configuration file.") var config: String?
    @Option(help: "SQLite database path.") var db: String?
    @Flag(inversion: .prefixedNo, help: "Write and ingest the demo tracks when missing (default on).") var demoCatalog = true
    @Option(help: "Directory of room definition files.") var roomsDir: String?
    @Option(help: "Directory of the browser client.") var webRoot: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"
    @Option(help: "Write the bound port to this file once listening (for scripts and tests).") var portFile: String?

    @Option(help: "Largest WebSocket frame, bytes (default 1 MiB).") var maxFrameBytes: Int?
    @Option(help: "Largest WebSocket message, bytes (default 1 MiB).") var maxMessageBytes: Int?
    @Option(help: "Largest data payload, bytes (default 64 KiB).") var maxPayloadBytes: Int?
    @Option(help: "Largest HTTP request body, bytes (default 1 MiB).") var maxBodyBytes: Int?
    @Option(help: "Largest HTTP request head, bytes (default 16 KiB).") var maxHeadBytes: Int?
    @Option(help: "Seconds to complete a request head (default 10).") var headerTimeout: Double?
    @Option(help: "Seconds between server pings (default 15).") var pingInterval: Double?
    @Option(help: "Seconds of silence before a client is closed (default 45).") var idleTimeout: Double?
    @Option(help: "Unsent bytes before a subscriber is cut off (default 4 MiB).") var maxBufferedBytes: Int?
    @Option(help: "Unsent bytes above which lossy messages are dropped (default 256 KiB).") var lossyDropBytes: Int?
    @Option(help: "Most simultaneous connections (default 100000).") var maxConnections: Int?
    @Option(help: "Seats in rooms created on join and rooms that set none; 0: no limit (default 1000).") var maxParticipants: Int?
    @Option(help: "Most simultaneous connections per client address; 0 is off (default 256, off with --dev).") var maxConnectionsPerIp: Int?
    @Option(help: "WebSocket handshakes per second per client address; 0 is off (default 20, off with --dev).") var handshakesPerIp: Double?
    @Option(help: "HTTP requests per second per client address; 0 is off (default 200, off with --dev).") var requestsPerIp: Double?
    @Option(help: "Milliseconds between write flushes; 0 flushes every loop turn (default 0).") var flushIntervalMs: Double?

    @Option(help: "Spotify Web API base URL (default https://api.spotify.com).") var spotifyApiBase: String?
    @Option(help: "Spotify accounts base URL, handed to the browser (default https://accounts.spotify.com).") var spotifyAccountsBase: String?
    @Option(help: "iTunes Search API base URL (default https://itunes.apple.com).") var itunesBase: String?
    @Option(help: "YouTube Data API base URL (default https://www.googleapis.com).") var youtubeApiBase: String?
    @Option(help: "YouTube Data API key (none: no YouTube lookups).") var youtubeApiKey: String?
    @Option(help: "Seconds a YouTube search that found no video stands before it is asked again (default 2592000, 30 days).") var youtubeNegativeTtl: Double?
    @Option(help: "Seconds without YouTube searches after the quota ran out or the key was refused (default 3600).") var youtubeQuotaPause: Double?
    @Option(help: "Seconds one YouTube search may take (default 10).") var youtubeRequestTimeout: Double?
    @Option(help: "Spotify app client id, handed to the browser for PKCE.") var spotifyClientId: String?
    @Option(help: "Spotify redirect URI (http://127.0.0.1:PORT/…), handed to the browser.") var spotifyRedirectUri: String?
    @Option(help: "Seconds between Spotify currently-playing polls per participant; fractional allowed (default 5).") var spotifyPollInterval: Double?
    @Option(help: "Seconds one Spotify request may take (default 10).") var spotifyRequestTimeout: Double?
    @Option(help: "Calls to Apple per minute for iTunes lookups, searches and preview downloads together (default 20).") var itunesCallsPerMinute: Double?
    @Option(help: "Seconds one iTunes search or preview download may take (default 15).") var itunesRequestTimeout: Double?
    @Option(help: "iTunes lookups waiting at most (default 256).") var itunesQueueMax: Int?
    @Option(help: "iTunes storefront, a two-letter country code (default: Apple's, US).") var itunesCountry: String?
    @Option(help: "Retries of an iTunes call that failed transiently: timeout, connection, 5xx, 429 (default 2).") var itunesMaxRetries: Int?
    @Flag(help: "Do not look up tracks the catalog lacks on iTunes.") var noItunesLookups = false

    @Option(help: "PEM certificate chain (leaf first): serve HTTPS and wss:// on --port.") var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert.") var tlsKey: String?
    @Flag(help: "With --dev: make (or reuse) a self-signed certificate for 127.0.0.1 in tls/ next to the database.") var devTls = false
    @Option(help: "Seconds a client has to finish the TLS handshake (default 10).") var tlsHandshakeTimeout: Double?
    @Option(help: "Also listen on this plain-HTTP port, answering every request with a redirect to https://.") var httpRedirectPort: Int?

    @Option(help: "Redis for running several nodes as one: redis://[:PASSWORD@]HOST:PORT[/DB] (docs/cluster.md; default: none, one node).") var redis: String?
    @Option(help: "This node's id in the cluster (default with --redis: a random ND_…).") var nodeId: String?
    @Flag(help: "Open --db read-only (the catalog other nodes share; needs --redis: profiles live in Redis).") var catalogReadOnly = false

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return EscapingLogHandler(handler)
        }
        let logger = Logger(label: "wavedefect")
        var settings = try makeConfiguration()
        if settings.dev { logger.warning("dev mode: API key 'devkey' with the public secret 'secret'; never expose this server") }
        settings.port = port ?? settings.port
        let links = TrackLinkSlot()
        let agents = ShippedAgents.serverExtras(databasePath: settings.databasePath, readOnly: settings.cluster.catalogReadOnly, links: links)
        let server = try WaveDefectServer(configuration: settings, logger: logger, agents: agents, demoCatalog: { catalog, index, directory in
            try DemoCatalog.ensure(in: catalog, directory: directory, index: index).tracksAdded
        }, previewEmbedder: PreviewAnalysis.embedder())
        let boundPort = try server.start()
        links.install(server.trackLinks)
        if let portFile {
            try String(boundPort).write(toFile: portFile, atomically: true, encoding: .utf8)
        }
        server.run()
        server.loop.close()
    }

    func makeConfiguration() throws -> ServerConfiguration {
        var c = ServerConfiguration()
        if let config { try c.apply(configFile: config) }
        if let keys = ProcessInfo.processInfo.environment["WAVEDEFECT_KEYS"], !keys.isEmpty {
            c.keys.merge(try ServerConfiguration.parseKeys(keys)) { _, new in new }
        }
        if dev { c.dev = true }
        if let host { c.host = host }
        if let db { c.databasePath = db }
        if !demoCatalog { c.demoCatalog = false }
        if let roomsDir { c.roomsDirectory = roomsDir }
        if let webRoot { c.webRoot = webRoot }
        if let v = maxFrameBytes { c.limits.webSocket.maxFrameSize = v }
        if let v = maxMessageBytes { c.limits.webSocket.maxMessageSize = v }
        if let v = maxPayloadBytes { c.limits.data.maxPayloadBytes = v }
        if let v = maxBodyBytes { c.limits.http.maxBodyBytes = v }
        if let v = maxHeadBytes { c.limits.http.maxHeadBytes = v }
        if let v = headerTimeout { c.limits.headerTimeout = v }
        if let v = pingInterval { c.limits.pingInterval = v }
        if let v = idleTimeout { c.limits.idleTimeout = v }
        if let v = maxBufferedBytes { c.limits.maxBufferedBytes = v }
        if let v = maxParticipants { c.roomDefaults.maxParticipants = v }
        if let v = lossyDropBytes { c.limits.lossyDropBytes = v }
        if let v = maxConnections { c.limits.maxConnections = v }
        if let v = maxConnectionsPerIp { c.limits.maxConnectionsPerIP = v }
        if let v = handshakesPerIp { c.limits.handshakesPerSecondPerIP = v }
        if let v = requestsPerIp { c.limits.requestsPerSecondPerIP = v }
        if let v = flushIntervalMs { c.limits.flushIntervalMilliseconds = v }
        if let v = spotifyApiBase { c.spotify.spotifyAPIBase = v }
        if let v = spotifyAccountsBase { c.spotify.spotifyAccountsBase = v }
        if let v = itunesBase { c.spotify.itunesBase = v }
        if let v = youtubeApiBase { c.spotify.youtubeAPIBase = v }
        if let v = youtubeApiKey { c.spotify.youtubeAPIKey = v }
        if let v = youtubeNegativeTtl { c.youtube.negativeTTL = v }
        if let v = youtubeQuotaPause { c.youtube.quotaPause = v }
        if let v = youtubeRequestTimeout { c.youtube.requestTimeout = v }
        if let v = spotifyClientId { c.spotify.spotifyClientID = v }
        if let v = spotifyRedirectUri { c.spotify.spotifyRedirectURI = v }
        if let v = spotifyPollInterval { c.spotify.spotifyPollInterval = v }
        if let v = spotifyRequestTimeout { c.spotify.spotifyRequestTimeout = v }
        if let v = itunesCallsPerMinute { c.itunes.callsPerMinute = v }
        if let v = itunesRequestTimeout { c.itunes.requestTimeout = v }
        if let v = itunesQueueMax { c.itunes.maxQueued = v }
        if let v = itunesCountry { c.itunes.country = v }
        if let v = itunesMaxRetries { c.itunes.maxRetries = v }
        if noItunesLookups { c.itunes.enabled = false }
        if let v = tlsCert { c.tls.certificate = v }
        if let v = tlsKey { c.tls.key = v }
        if devTls { c.tls.devCertificate = true }
        if let v = tlsHandshakeTimeout { c.tls.handshakeTimeout = v }
        if let v = httpRedirectPort { c.tls.redirectPort = v }
        if let redis {
            do {
                c.cluster.redis = try RedisAddress.parse(redis)
            } catch {
                throw ConfigurationError("--redis: \(error.message)")
            }
        }
        if let nodeId { c.cluster.nodeID = nodeId }
        if catalogReadOnly { c.cluster.catalogReadOnly = true }
        return c
    }
}
