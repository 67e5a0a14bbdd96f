import ArgumentParser
import EventLoop
import Foundation
import TLSCore

/// `wavedefect bench …`: every benchmark of the project, one family in one place (this
/// folder). Benchmarks are commands that print numbers, never timed tests. The server ones run
/// the server under test as a separate process (or use one given by --port/--pid) and read its
/// CPU time and memory from /proc, so the numbers are the server's, not the load generator's;
/// the music ones (embed, search, rerank) time the library in process. Method and figures:
/// docs/benchmarks.md.
public struct BenchCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (not tests): print throughput, latency and server CPU/memory.",
        subcommands: [
            BenchPing.self, BenchFanout.self, BenchCluster.self, BenchClusterClients.self, BenchJoins.self, BenchHandshakes.self, BenchCrowd.self, BenchSoak.self, BenchIdle.self, BenchFloor.self, BenchEmbedCommand.self, BenchSearchCommand.self, BenchRerankCommand.self,
        ]
    )
}

struct ServerOptions: ParsableArguments {
    @Option(help: "Port of a running server (default: spawn one).") var port: Int?
    @Option(help: "PID of that server, for CPU and memory readings.") var pid: Int32?
    @Option(help: "Extra flags for the spawned server, space-separated (use --server-args='--flag value').") var serverArgs: String = ""
    @Option(help: "The spawned server's --flush-interval-ms (write batching window).") var flushIntervalMs: Double?
    @Flag(help: "Connect over TLS (wss://): the spawned server gets --dev-tls and the clients trust its certificate.") var tls = false
    @Option(help: "With --port and --tls: the CA file (PEM) that verifies the running server (default: the system's store).") var tlsCa: String?

    func makeServer() throws -> BenchServer {
        if let port {
            guard let pid else { throw ValidationError("--port needs --pid so the server's CPU can be read") }
            return BenchServer(port: port, pid: pid, tls: tls ? try TLSContext.client(caFile: tlsCa) : nil)
        }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var extra = serverArgs.split(separator: " ").map(String.init)
        if let flushIntervalMs { extra += ["--flush-interval-ms", String(flushIntervalMs)] }
        return try BenchServer(executable: exe, extraArguments: extra, tls: tls)
    }
}

func format(_ v: Double, _ digits: Int = 1) -> String {
    String(format: "%.\(digits)f", v)
}

func micros(_ nanoseconds: UInt64) -> String { format(Double(nanoseconds) / 1000) }

struct BenchPing: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ping", abstract: "Ping round trips per second over many connections.")
    @OptionGroup var server: ServerOptions
    @Option(help: "Connections, each with one ping in flight.") var connections = 100
    @Option(help: "Measured seconds.") var duration = 10.0

    func run() throws {
        let s = try server.makeServer()
        defer { s.stop() }
        var b = PingBenchmark()
        b.connections = connections
        b.duration = duration
        let r = try b.run(server: s)
        print("bench ping: \(r.connections) connections, \(format(r.seconds)) s")
        print("  round trips        \(r.roundTrips) (\(format(r.roundTripsPerSecond, 0))/s)")
        print("  round-trip time    p50 \(micros(r.latency.percentile(0.5))) µs, p99 \(micros(r.latency.percentile(0.99))) µs, max \(micros(r.latency.max)) µs")
        print("  server CPU         \(format(r.serverCPUSeconds, 2)) s = \(format(r.serverMicrosecondsPerRoundTrip, 2)) µs per round trip (\(format(100 * r.serverCPUSeconds / r.seconds, 0))% of a core)")
    }
}

struct BenchFanout: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fanout", abstract: "One publisher, many subscribers: deliveries/s, server CPU per delivery, latency.")
    @OptionGroup var server: ServerOptions
    @Option(help: "Subscribers in the room.") var subscribers = 500
    @Option(help: "Messages published per second.") var rate = 400.0
    @Option(help: "Payload JSON size in bytes.") var payload = 64
    @Option(help: "Measured seconds.") var duration = 10.0

    func run() throws {
        let s = try server.makeServer()
        defer { s.stop() }
        var b = FanoutBenchmark()
        b.subscribers = subscribers
        b.rate = rate
        b.payloadBytes = payload
        b.duration = duration
        let r = try b.run(server: s)
        print("bench fanout: 1 publisher → \(r.subscribers) subscribers, \(format(rate, 0)) msg/s, \(payload)-byte payloads (\(r.frameBytes)-byte frames), \(format(r.seconds)) s")
        print("  published          \(r.published)")
        print("  delivered          \(r.delivered) of \(r.expected) expected (\(format(r.deliveredPerSecond, 0))/s)")
        print("  publish→receive    p50 \(micros(r.latency.percentile(0.5))) µs, p99 \(micros(r.latency.percentile(0.99))) µs, max \(micros(r.latency.max)) µs")
        print("  server CPU         \(format(r.serverCPUSeconds, 2)) s = \(format(r.serverMicrosecondsPerDelivery, 3)) µs per delivered message (\(format(100 * r.serverCPUSeconds / r.seconds, 0))% of a core)")
    }
}

struct BenchJoins: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "joins", abstract: "Joins per second (connect, upgrade with token check, joined).")
    @OptionGroup var server: ServerOptions
    @Option(help: "Joins.") var count = 2000
    @Option(help: "Handshakes in flight at once.") var concurrency = 32
    @Option(help: "Participants per room.") var roomSize = 50

    func run() throws {
        let s = try server.makeServer()
        defer { s.stop() }
        var b = JoinBenchmark()
        b.count = count
        b.concurrency = concurrency
        b.roomSize = roomSize
        let r = try b.run(server: s)
        print("bench joins: \(r.joins) joins, \(concurrency) in flight, rooms of \(roomSize)")
        print("  joins/s            \(format(r.joinsPerSecond, 0)) (\(format(r.seconds, 2)) s)")
        print("  server CPU         \(format(r.serverCPUSeconds, 2)) s = \(format(r.serverMicrosecondsPerJoin, 1)) µs per join")
    }
}

struct BenchHandshakes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handshakes", abstract: "New connections per second: connect, TLS handshake (with --tls), GET /healthz, close."
    )
    @OptionGroup var server: ServerOptions
    @Option(help: "Connections.") var count = 2000
    @Option(help: "Connections in flight at once.") var concurrency = 32

    func run() throws {
        let s = try server.makeServer()
        defer { s.stop() }
        var b = HandshakeBenchmark()
        b.count = count
        b.concurrency = concurrency
        let r = try b.run(server: s)
        print("bench handshakes: \(r.connections) connections\(s.tls == nil ? "" : " over TLS"), \(concurrency) in flight, one GET /healthz each")
        print("  connections/s      \(format(r.perSecond, 0)) (\(format(r.seconds, 2)) s, \(r.failures) failed)")
        print("  server CPU         \(format(r.serverCPUSeconds, 2)) s = \(format(r.serverMicrosecondsPerConnection, 1)) µs per connection")
    }
}

struct BenchCrowd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crowd",
        abstract: "Joins into one room: server CPU and peak memory, and join + ping latency in another room meanwhile."
    )
    @OptionGroup var server: ServerOptions
    @Option(help: "Participants joining the one room.") var participants = 1000
    @Option(help: "Handshakes in flight at once.") var concurrency = 32
    @Flag(help: "Participants stop reading after joined (the attack of issue 12).") var noRead = false

    func run() throws {
        let s = try server.makeServer()
        defer { s.stop() }
        var b = CrowdedRoomBenchmark()
        b.participants = participants
        b.concurrency = concurrency
        b.reading = !noRead
        let r = try b.run(server: s)
        let ms = { (ns: UInt64) in format(Double(ns) / 1e6, 2) }
        print("bench crowd: \(r.participants) participants join one room, \(noRead ? "not reading" : "reading") after joined, \(concurrency) in flight")
        print("  joined             \(r.joined) (\(r.closedByServer) closed by the server) in \(format(r.seconds, 2)) s (2 s of it after the last join)")
        print("  server CPU         \(format(r.serverCPUSeconds, 2)) s = \(format(r.serverCPUSeconds * 1e6 / Double(max(r.participants, 1)), 0)) µs per join")
        print("  server RSS         \(r.baselineRSS / 1024) KiB before, peak \(r.peakRSS / 1024) KiB (VmHWM)")
        let p = r.probe
        print("  another room       \(p.joins.count) probe joins: join p50 \(ms(p.joins.percentile(0.5))) ms, p99 \(ms(p.joins.percentile(0.99))) ms, max \(ms(p.joins.max)) ms; "
            + "ping p50 \(ms(p.pings.percentile(0.5))) ms, p99 \(ms(p.pings.percentile(0.99))) ms, max \(ms(p.pings.max)) ms; \(p.failed) failed")
    }
}

struct BenchSoak: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Joins, leaves, drops and resumes at a steady churn; reliable messages checked end to end; RSS, descriptors and latency over time."
    )
    @OptionGroup var server: ServerOptions
    @Option(help: "Participants (publishers included).") var connections = 2000
    @Option(help: "Minutes of churn.") var minutes = 5.0
    @Option(help: "Participants per room.") var roomSize = 50
    @Option(help: "Churn events per second (a leave and fresh join, or a drop and resume).") var churn = 20.0
    @Option(help: "Reliable messages per second per room.") var rate = 1.0
    @Option(help: "Seconds between report lines.") var interval = 15.0

    func run() throws {
        let s = try server.makeServer()
        defer { s.stop() }
        let b = SoakBenchmark()
        b.connections = connections
        b.minutes = minutes
        b.roomSize = roomSize
        b.churnPerSecond = churn
        b.ratePerRoom = rate
        b.reportInterval = interval
        // Line by line, unbuffered: a long soak is watched as it runs.
        try b.run(server: s) { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
}

struct BenchIdle: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "idle", abstract: "Resident memory per idle joined connection.")
    @OptionGroup var server: ServerOptions
    @Option(help: "Connections.") var connections = 10_000
    @Option(help: "Participants per room.") var roomSize = 100
    @Option(help: "Seconds to wait after the last join before reading RSS.") var settle = 3.0

    func run() throws {
        let s = try server.makeServer()
        defer { s.stop() }
        var b = IdleMemoryBenchmark()
        b.settle = settle
        b.connections = connections
        b.roomSize = roomSize
        let r = try b.run(server: s)
        print("bench idle: \(r.connections) joined connections in rooms of \(roomSize)")
        print("  server RSS         \(r.baselineBytes / 1024) KiB before, \(r.loadedBytes / 1024) KiB with connections (after a warm-up of 200 joins)")
        print("  per connection     \(format(r.bytesPerConnection, 0)) bytes of RSS, \(format(r.anonymousBytesPerConnection, 0)) bytes of anonymous RSS (heap)")
    }
}

struct BenchFloor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "floor",
        abstract: "The kernel's cost of a loopback TCP write here: the floor under any server's CPU per delivered message."
    )
    @Option(help: "Sockets written per round.") var sockets = 1000
    @Option(help: "Rounds.") var rounds = 200
    @Option(help: "Bytes per message.") var bytes = 172
    @Option(help: "Microseconds between rounds (200 rounds/s by default).") var pause: UInt32 = 5000

    func run() throws {
        print("bench floor: write(2) to \(sockets) loopback sockets per round, \(rounds) rounds, \(bytes)-byte messages, a reader thread on poll")
        for batch in [1, 4, 16] {
            var b = KernelFloorBenchmark()
            b.sockets = sockets
            b.rounds = rounds
            b.messageBytes = bytes
            b.batch = batch
            b.pauseMicroseconds = pause
            let r = try b.run()
            print("  \(batch) message(s) per write: \(format(r.microsecondsPerWrite, 2)) µs of writer CPU per write = \(format(r.microsecondsPerMessage, 3)) µs per message")
        }
    }
}
