import AccessToken
import AgentClient
import AgentKit
import AgentRuntime
import ArgumentParser
import EventLoop
import Foundation
import Logging
import MusicAgents
import MusicCatalog
import WaveDefectServer

/// `wavedefect agent run|worker`: the same agents the server runs in-process, run in their
/// own process (docs/agents.md#three-ways-to-run-an-agent).
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run agents outside the server: one in one room (run), or a worker the server dispatches to (worker); stream a file's audio into a room (stream).",
        subcommands: [AgentRunCommand.self, AgentWorkerCommand.self, AgentStreamCommand.self]
    )
}

/// Options every agent process shares: the server, the catalog, logging.
struct AgentProcessOptions: ParsableArguments {
    @Option(help: "The server, ws://HOST:PORT or wss://HOST:PORT.") var url: String
    @Option(help: "With wss://: PEM file of the CA (or self-signed certificate) that verifies the server (default: the system's trusted roots).") var tlsCa: String?
    @Option(help: "SQLite database (catalog and stored profiles).") var db = "data/wavedefect.sqlite"
    @Option(help: "The cluster's Redis, redis://[:PASSWORD@]HOST:PORT[/DB]: profiles are read and written there, and --db is opened read-only (docs/cluster.md).") var redis: String?

    /// The shipped agents over `--db`, with profiles in Redis when `--redis` is given.
    func agentFactory(logger: Logger) throws -> AgentFactory {
        guard let redis else { return try ShippedAgents.factory(databasePath: db, logger: logger) }
        let profiles: @Sendable (Catalog) -> any ProfileStorage
        do {
            profiles = try WaveDefectServer.redisProfileStorage(url: redis)
        } catch {
            throw ValidationError("--redis: \(error)")
        }
        return try ShippedAgents.factory(databasePath: db, readOnly: true, profiles: profiles, logger: logger)
    }
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "Seconds one event may take before the agent is restarted.") var eventDeadline: Double = 10

    func serverURL() throws -> ServerURL {
        guard let u = ServerURL(url, caFile: tlsCa) else { throw ValidationError("--url: expected ws://HOST:PORT or wss://HOST:PORT, got '\(url)'") }
        do {
            try u.checkTLS()
        } catch {
            throw ValidationError(error.message)
        }
        return u
    }

    func makeLogger() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return EscapingLogHandler(handler)
        }
        return Logger(label: "wavedefect-agent")
    }

    var policy: AgentSupervisor.Policy {
        var p = AgentSupervisor.Policy()
        p.eventDeadline = eventDeadline
        return p
    }

    /// Runs the loop until `stop` has been called on SIGINT/SIGTERM (or the work ended),
    /// then turns it a few more times so close frames reach the server.
    func runLoop(_ loop: EventLoop, logger: Logger, stop: @escaping () -> Void) {
        SignalWatcher.ignoreSIGPIPE()
        let watchers = [SIGINT, SIGTERM].map { signal in
            SignalWatcher(loop: loop, signal: signal) { _ in
                logger.notice("signal received, leaving")
                stop()
                loop.stop()
            }
        }
        loop.run()
        for _ in 0..<20 { _ = loop.runOnce() }
        withExtendedLifetime(watchers) {}
    }
}

struct AgentRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Join one room over the WebSocket protocol as a headless bot and run agent NAME there."
    )

    @Argument(help: "Agent name (taste, recommender, recognizer).") var name: String
    @OptionGroup var options: AgentProcessOptions
    @Option(help: "Room to join (must be the token's room).") var room: String
    @Option(help: "Join token (kind agent); minted from --api-key/--api-secret or WAVEDEFECT_KEYS when absent.") var token: String?
    @Option(help: "API key, to mint the join token.") var apiKey: String?
    @Option(help: "API secret, to mint the join token.") var apiSecret: String?

    func run() throws {
        let url = try options.serverURL()
        let logger = options.makeLogger()
        let loop = try EventLoop()
        let factory = try options.agentFactory(logger: logger)
        guard let make = factory.maker(for: name) else {
            throw ValidationError("no agent named '\(name)' (known: \(factory.names.joined(separator: ", ")))")
        }
        let identity = "agent-" + name
        let joinToken: String
        if let token {
            if let claimed = TokenPeek.room(of: token), claimed != room {
                throw ValidationError("--room '\(room)' is not the token's room '\(claimed)'")
            }
            joinToken = token
        } else {
            let (key, secret) = try AgentKeys.resolve(apiKey: apiKey, apiSecret: apiSecret)
            joinToken = AgentKeys.joinToken(key: key, secret: secret, room: room, identity: identity, agentName: name)
        }
        let setup = AgentSetup(agentName: name, room: room, identity: TokenPeek.identity(of: joinToken) ?? identity)
        let bot = RoomBot(url: url, token: joinToken, setup: setup, make: make, topics: factory.topics(for: name), loop: loop, policy: options.policy, metrics: AgentMetrics(), logger: logger)
        var exitReason: RoomBot.EndReason?
        bot.onEnded = { reason in
            exitReason = reason
            loop.stop()
        }
        bot.onJoined = { logger.notice("agent joined", metadata: ["agent": "\(name)", "room": "\(room)", "url": "\(url)"]) }
        bot.start()
        options.runLoop(loop, logger: logger) { bot.stop() }
        if exitReason == .failed { throw ExitCode(1) }
    }
}

struct AgentWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Register with the server as a worker for the named agents and run the jobs it dispatches."
    )

    @OptionGroup var options: AgentProcessOptions
    @Option(help: "Agent names this worker runs, comma-separated.") var agents = "taste,recommender"
    @Option(help: "Most jobs at once.") var maxJobs = 64
    @Option(help: "Seconds between status reports (load = jobs / max jobs), 0.1-3600; one is also sent whenever a job starts or ends.")
    var statusInterval = AgentWorkerClient.defaultStatusInterval
    @Option(help: "API key (default: the first of WAVEDEFECT_KEYS).") var apiKey: String?
    @Option(help: "API secret.") var apiSecret: String?

    func run() throws {
        let url = try options.serverURL()
        let logger = options.makeLogger()
        let names = agents.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw ValidationError("--agents: name at least one agent") }
        guard maxJobs >= 1 else { throw ValidationError("--max-jobs must be at least 1") }
        guard statusInterval >= 0.1 && statusInterval <= 3600 else { throw ValidationError("--status-interval must be 0.1 to 3600 seconds") }
        let factory = try options.agentFactory(logger: logger)
        for n in names where factory.maker(for: n) == nil {
            throw ValidationError("no agent named '\(n)' (known: \(factory.names.joined(separator: ", ")))")
        }
        let (key, secret) = try AgentKeys.resolve(apiKey: apiKey, apiSecret: apiSecret)
        let loop = try EventLoop()
        let worker = AgentWorkerClient(
            url: url, apiKey: key, apiSecret: secret, factory: factory, agentNames: names, maxJobs: maxJobs, statusInterval: statusInterval, loop: loop,
            policy: options.policy, metrics: AgentMetrics(), logger: logger
        )
        worker.start()
        // Keeps the loop alive while the control connection reconnects.
        let keepAlive = LoopTimer(loop: loop) {}
        keepAlive.start(afterMilliseconds: 3_600_000, repeatMilliseconds: 3_600_000)
        options.runLoop(loop, logger: logger) {
            keepAlive.stop()
            worker.stop()
        }
    }
}

/// Where agent processes get their signing key: flags, else the first of WAVEDEFECT_KEYS.
enum AgentKeys {
    static func resolve(apiKey: String?, apiSecret: String?) throws -> (String, String) {
        if let apiKey, let apiSecret { return (apiKey, apiSecret) }
        if apiKey != nil || apiSecret != nil { throw ValidationError("--api-key and --api-secret go together") }
        if let env = ProcessInfo.processInfo.environment["WAVEDEFECT_KEYS"], !env.isEmpty {
            let keys = try ServerConfiguration.parseKeys(env)
            if let first = keys.sorted(by: { $0.key < $1.key }).first { return (first.key, first.value) }
        }
        throw ValidationError("no API key: pass --api-key/--api-secret or set WAVEDEFECT_KEYS")
    }

    static func joinToken(key: String, secret: String, room: String, identity: String, agentName: String) -> String {
        let now = Int64(Date().timeIntervalSince1970)
        var grant = VideoGrant(room: room, roomJoin: true)
        grant.canPublishData = true
        grant.canSubscribe = true
        grant.canUpdateOwnMetadata = true
        grant.agent = true
        let claims = AccessTokenClaims(
            issuer: key, identity: identity, expiresAt: now + 24 * 3600, notBefore: now - 1, name: agentName,
            attributes: ["agent.name": agentName], kind: "agent", video: grant
        )
        return AccessTokenMinter.mint(claims, secret: secret)
    }
}

/// Reads a token's claims without verifying it (the server does that): to check `--room`
/// against it and learn the identity the bot will have.
enum TokenPeek {
    static func claims(_ token: String) -> [String: Any]? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    static func room(of token: String) -> String? {
        (claims(token)?["video"] as? [String: Any])?["room"] as? String
    }

    static func identity(of token: String) -> String? {
        claims(token)?["sub"] as? String
    }
}
