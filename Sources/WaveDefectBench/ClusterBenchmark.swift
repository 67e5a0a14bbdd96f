import EventLoop
import Foundation
import Glibc
import LoopWebSocketClient
import SystemClock

/// One room on a cluster (issue 13): a `redis-server` and `nodes` `wavedefect serve --redis`
/// processes on loopback, `subscribers` hidden listeners spread evenly over the nodes, one
/// publisher at a fixed rate on node 1, where the room lives. Listeners on other nodes are
/// relayed there (docs/cluster.md#connect-anywhere-the-relay). Measures delivered messages
/// per second, every node's CPU from /proc (summed, and per delivery), Redis's CPU, and the
/// publish→receive latency of listeners on the room's node apart from those on other nodes:
/// the difference is what the cross-node hop adds. `nodes: 1` is the same load on one node
/// (with Redis, so only the spread differs).
public struct ClusterBenchmark {
    public var nodes = 3
    public var subscribers = 3000
    public var rate = 50.0
    public var payloadBytes = 64
    public var duration = 10.0
    public var warmup = 2.0
    public var redisServer = "/usr/bin/redis-server"

    public init() {}

    public struct Result {
        public var nodes: Int
        public var subscribers: Int
        public var published: Int
        public var delivered: Int
        public var seconds: Double
        /// Listeners on the room's node (node 1).
        public var latencyLocal: LatencyHistogram
        /// Listeners on the other nodes, relayed through Redis.
        public var latencyRelayed: LatencyHistogram
        public var nodeCPUSeconds: [Double]
        public var redisCPUSeconds: Double
        /// The load generator's own CPU (user + system): near `seconds` means it was the bottleneck.
        public var clientCPUSeconds: Double
        public var frameBytes: Int

        public var deliveredPerSecond: Double { Double(delivered) / seconds }
        public var serverCPUSeconds: Double { nodeCPUSeconds.reduce(0, +) }
        public var serverMicrosecondsPerDelivery: Double { serverCPUSeconds * 1e6 / Double(max(delivered, 1)) }
        public var expected: Int { published * subscribers }
    }

    static let room = "bench-cluster"

    public func run(executable: String) throws -> Result {
        let redis = try RedisBenchProcess(executable: redisServer)
        defer { redis.stop() }
        var servers: [BenchServer] = []
        defer { for s in servers { s.stop() } }
        for i in 1...nodes {
            servers.append(try BenchServer(executable: executable, extraArguments: ["--redis", redis.url, "--node-id", "bench-node-\(i)"]))
        }

        let loop = try EventLoop()
        defer { loop.close() }
        ProcessLimits.raiseOpenFiles()
        // The publisher joins node 1 first: the room starts there and node 1 takes its lease.
        // Listeners join only once the lease is in Redis, so the other nodes relay them there
        // instead of starting copies of the room.
        let publisher = try BenchClients.connect(loop: loop, ports: { _ in servers[0].port }, count: 1, room: { _ in Self.room }, identityPrefix: "publisher")[0]
        let deadline = Date().addingTimeInterval(10)
        while redis.get("wavedefect:room:\(Self.room)") != "bench-node-1" {
            guard Date() < deadline else { throw BenchError("node 1 did not take the room's lease within 10 s") }
            runLoop(loop, seconds: 0.02)
        }

        let window = MeasurementWindow(loop: loop, warmup: warmup, duration: duration, processes: servers.map(\.pid) + [redis.pid])
        var delivered = 0
        var frameBytes = 0
        var local = LatencyHistogram()
        var relayed = LatencyHistogram()
        let subs = try BenchClients.connect(
            loop: loop, ports: { i in servers[i % nodes].port }, count: subscribers, room: { _ in Self.room }, hidden: true
        ) { i, client in
            let onRoomsNode = i % nodes == 0
            client.onText = { bytes in
                guard window.isMeasuring else { return }
                let now = SystemClock.monotonicNanoseconds
                if let t = FanoutBenchmark.sendTime(in: bytes), window.counts(sentAt: t) {
                    delivered += 1
                    frameBytes = bytes.count
                    if onRoomsNode { local.record(now &- t) } else { relayed.record(now &- t) }
                }
            }
        }

        var fanout = FanoutBenchmark()
        fanout.payloadBytes = payloadBytes
        window.publish(rate: rate) { [fanout] in publisher.send(frame: fanout.publishFrame(now: SystemClock.monotonicNanoseconds)) }
        let m = window.run()
        for c in subs + [publisher] { c.onText = nil; c.close() }
        runLoop(loop, seconds: 0.3)
        return Result(
            nodes: nodes, subscribers: subscribers, published: m.published, delivered: delivered, seconds: m.seconds,
            latencyLocal: local, latencyRelayed: relayed, nodeCPUSeconds: Array(m.cpuSeconds.dropLast()), redisCPUSeconds: m.cpuSeconds[nodes],
            clientCPUSeconds: m.ownCPUSeconds, frameBytes: frameBytes
        )
    }
}

/// The benchmark's own `redis-server` on a free loopback port, nothing persisted; its CPU is
/// read from /proc like a node's.
final class RedisBenchProcess {
    let port: Int
    private let process: Process

    init(executable: String) throws {
        port = Self.freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(10)
        while command(["PING"]) == nil {
            guard Date() < deadline, p.isRunning else { throw BenchError("redis-server (\(executable)) did not start") }
            usleep(20_000)
        }
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    var pid: Int32 { process.processIdentifier }

    func cpuSeconds() -> Double { ProcessStats.cpuSeconds(pid: process.processIdentifier) }

    /// SIGKILL: it persists nothing, and a SIGTERM can sit blocked forever in a redis-server
    /// that inherited a mask blocking it (started from the test runner, it does).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// `GET key` as text, nil for a missing key.
    func get(_ key: String) -> String? {
        guard let reply = command(["GET", key]), reply.hasPrefix("$"), !reply.hasPrefix("$-1") else { return nil }
        return reply.split(separator: "\r\n").dropFirst().first.map(String.init)
    }

    /// One command on a fresh connection (RESP array of bulk strings); the raw reply.
    func command(_ arguments: [String]) -> String? {
        var request = "*\(arguments.count)\r\n"
        for a in arguments { request += "$\(a.utf8.count)\r\n\(a)\r\n" }
        return LoopbackExchange.send(Array(request.utf8), port: port, timeoutSeconds: 2, untilClosed: false).map { String(decoding: $0, as: UTF8.self) }
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return address
    }

    /// A loopback port nothing listens on now (bound to port 0 and released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
