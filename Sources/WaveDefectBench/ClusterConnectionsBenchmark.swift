import EventLoop
import Foundation
import Glibc
import LoopWebSocketClient
import SystemClock

/// Many joined connections over a cluster (issue 7's 50,000 on this machine, where one
/// process may hold at most 20,000 open files): `redis-server`, `layout.nodes` nodes, and
/// `clientProcesses` load-generator processes (`ClusterClientProcess`) that join their share
/// of the connections from source addresses spread over 127.0.0.x. Then, with everyone
/// joined: each node's RSS and `/metrics` counts, the CPU of every process over an idle
/// window, ping round trips at a fixed rate round robin, and — when every connection is in
/// one room — broadcasts from a publisher on node 1 (the room's node), every delivery counted.
public struct ClusterConnectionsBenchmark {
    public var layout = ClusterConnectionsLayout(nodes: 3, connections: 50_000, roomSize: 100, placement: .spread, sources: 8)
    public var clientProcesses = 4
    /// Seconds after the last join before memory is read, and after the clients leave before
    /// it is read again.
    public var settle = 2.0
    public var idleSeconds = 10.0
    public var pingRate = 2000.0
    public var pingSeconds = 10.0
    /// Messages per second published to the one room (`roomSize` 0 only).
    public var broadcastRate = 1.0
    public var broadcastSeconds = 10.0
    public var redisServer = "/usr/bin/redis-server"

    public init() {}

    public struct Node {
        public var pid: Int32
        /// From the node's `/metrics` (the request reading them is one of the connections).
        public var metricsConnections = 0
        public var metricsParticipants = 0
        public var upgrades = 0
        public var refusedUpgrades = 0
        /// Connections the layout puts on this node.
        public var clients = 0
        public var rssBefore = 0, rssJoined = 0, anonBefore = 0, anonJoined = 0, rssAfterLeave = 0
        public var openFiles = 0
        public var idleCPUSeconds = 0.0
        public var broadcastCPUSeconds = 0.0
    }

    public struct Result {
        public var nodes: [Node] = []
        public var joined: [Int] = []
        public var clientOpenFiles: [Int] = []
        public var joinSeconds = 0.0
        public var idleSeconds = 0.0
        public var redisIdleCPUSeconds = 0.0, redisBroadcastCPUSeconds = 0.0, redisRSS = 0
        public var clientsIdleCPUSeconds = 0.0
        public var pingsSent = 0, pongs = 0
        public var pings = PlacedHistogramsView()
        public var published = 0, delivered = 0, expectedDeliveries = 0
        public var deliveries = PlacedHistogramsView()
        public var broadcastSeconds = 0.0
        public var closedByServer = 0
        public var loadAverageBefore = "", loadAverageAfter = ""

        public var totalJoined: Int { joined.reduce(0, +) }
        public var bytesPerConnection: Double {
            Double(nodes.reduce(0) { $0 + $1.rssJoined - $1.rssBefore }) / Double(max(totalJoined, 1))
        }
    }

    public func run(executable: String) throws -> Result {
        var result = Result()
        result.loadAverageBefore = Self.loadAverage()
        let redis = try RedisBenchProcess(executable: redisServer)
        defer { redis.stop() }
        var servers: [BenchServer] = []
        defer { for s in servers { s.stop() } }
        for i in 1...layout.nodes {
            servers.append(try BenchServer(executable: executable, extraArguments: ["--redis", redis.url, "--node-id", "bench-node-\(i)"]))
        }
        let loop = try EventLoop()
        defer { loop.close() }
        ProcessLimits.raiseOpenFiles()

        // One room: the publisher starts it on node 1 and the listeners join once node 1
        // holds its lease, so every other node relays them there.
        var publisher: LoopWebSocketClient?
        if layout.roomSize == 0 {
            publisher = try BenchClients.connect(loop: loop, ports: { _ in servers[0].port }, count: 1, room: { _ in ClusterConnectionsLayout.oneRoom }, identityPrefix: "publisher")[0]
            let deadline = Date().addingTimeInterval(10)
            while redis.get("wavedefect:room:\(ClusterConnectionsLayout.oneRoom)") != "bench-node-1" {
                guard Date() < deadline else { throw BenchError("node 1 did not take the room's lease within 10 s") }
                runLoop(loop, seconds: 0.02)
            }
        }
        result.nodes = servers.map { s in
            var n = Node(pid: s.pid)
            n.rssBefore = s.residentBytes()
            n.anonBefore = s.residentAnonymousBytes()
            return n
        }
        for g in 0..<layout.connections { result.nodes[layout.node(of: g)].clients += 1 }

        // The load generators, each with a contiguous share of the connections.
        let ports = servers.map(\.port)
        var children: [ChildProcess] = []
        defer { for c in children { c.stop() } }
        let share = (layout.connections + clientProcesses - 1) / clientProcesses
        let joinStart = Date()
        for k in 0..<clientProcesses where k * share < layout.connections {
            let first = k * share
            let count = min(share, layout.connections - first)
            children.append(try ChildProcess(executable: executable, arguments: [
                "bench", "cluster-clients", "--ports", ports.map(String.init).joined(separator: ","), "--first", String(first), "--count", String(count),
                "--connections", String(layout.connections), "--room-size", String(layout.roomSize), "--placement", layout.placement.rawValue,
                "--sources", String(layout.sources),
            ]))
        }
        let joinedLines = try Self.collect(children, word: "joined", timeout: 900, loop: loop)
        result.joinSeconds = Date().timeIntervalSince(joinStart)
        result.joined = joinedLines.map { Int($0.split(separator: " ")[1]) ?? 0 }

        runLoop(loop, seconds: settle)
        for (i, s) in servers.enumerated() {
            result.nodes[i].rssJoined = s.residentBytes()
            result.nodes[i].anonJoined = s.residentAnonymousBytes()
            result.nodes[i].openFiles = Self.openFiles(pid: s.pid)
            let metrics = Self.metrics(port: s.port)
            result.nodes[i].metricsConnections = Int(metrics["wavedefect_connections"] ?? 0)
            result.nodes[i].metricsParticipants = Int(metrics["wavedefect_participants"] ?? 0)
            result.nodes[i].upgrades = Int(metrics["wavedefect_upgrades_total"] ?? 0)
            result.nodes[i].refusedUpgrades = Int(metrics["wavedefect_upgrades_refused_total"] ?? 0)
        }
        result.clientOpenFiles = children.map { Self.openFiles(pid: $0.pid) }
        result.redisRSS = ProcessStats.residentBytes(pid: redis.pid)

        // Idle: nothing sent by anyone; what the nodes, Redis and the clients spend anyway.
        let cpu0 = servers.map { $0.cpuSeconds() }, redis0 = redis.cpuSeconds(), clients0 = children.map { ProcessStats.cpuSeconds(pid: $0.pid) }
        let idleStart = Date()
        runLoop(loop, seconds: idleSeconds)
        result.idleSeconds = Date().timeIntervalSince(idleStart)
        for (i, s) in servers.enumerated() { result.nodes[i].idleCPUSeconds = s.cpuSeconds() - cpu0[i] }
        result.redisIdleCPUSeconds = redis.cpuSeconds() - redis0
        result.clientsIdleCPUSeconds = zip(children, clients0).reduce(0) { $0 + ProcessStats.cpuSeconds(pid: $1.0.pid) - $1.1 }

        if pingSeconds > 0 {
            for c in children { c.send("ping \(pingRate / Double(children.count)) \(pingSeconds)") }
            var pings = PlacedHistograms()
            for line in try Self.collect(children, word: "pings", timeout: pingSeconds + 60, loop: loop) {
                let (words, histograms) = try Self.split(line)
                result.pingsSent += Int(words[1]) ?? 0
                result.pongs += Int(words[2]) ?? 0
                pings.merge(histograms)
            }
            result.pings = PlacedHistogramsView(pings)
        }

        if let publisher, broadcastSeconds > 0, broadcastRate > 0 {
            let windowStart = SystemClock.monotonicNanoseconds
            for c in children { c.send("window \(windowStart)") }
            _ = try Self.collect(children, word: "ok", timeout: 30, loop: loop)
            var fanout = FanoutBenchmark()
            fanout.payloadBytes = 64
            let cpu1 = servers.map { $0.cpuSeconds() }, redis1 = redis.cpuSeconds()
            var published = 0
            let publishStart = SystemClock.monotonicNanoseconds
            let publishEnd = publishStart + UInt64(broadcastSeconds * 1e9)
            let rate = broadcastRate
            // Held against the clock, as in `bench fanout`; exactly rate × seconds in all.
            let publish = {
                let due = Int(Double(min(SystemClock.monotonicNanoseconds, publishEnd) &- publishStart) / 1e9 * rate)
                while published < due {
                    publisher.send(frame: fanout.publishFrame(now: SystemClock.monotonicNanoseconds))
                    published += 1
                }
            }
            let tick = LoopTimer(loop: loop) { publish() }
            tick.start(afterMilliseconds: 1, repeatMilliseconds: 1)
            while SystemClock.monotonicNanoseconds < publishEnd { runLoop(loop, seconds: 0.05) }
            tick.stop()
            publish()
            for c in children { c.send("report \(published) 60") }
            var deliveries = PlacedHistograms()
            for line in try Self.collect(children, word: "delivered", timeout: 120, loop: loop) {
                let (words, histograms) = try Self.split(line)
                result.delivered += Int(words[1]) ?? 0
                deliveries.merge(histograms)
            }
            result.broadcastSeconds = Double(SystemClock.monotonicNanoseconds &- publishStart) / 1e9
            for (i, s) in servers.enumerated() { result.nodes[i].broadcastCPUSeconds = s.cpuSeconds() - cpu1[i] }
            result.redisBroadcastCPUSeconds = redis.cpuSeconds() - redis1
            result.published = published
            result.expectedDeliveries = published * layout.connections
            result.deliveries = PlacedHistogramsView(deliveries)
        }

        for c in children { c.send("close") }
        result.closedByServer = try Self.collect(children, word: "closed", timeout: 60, loop: loop).reduce(0) { $0 + (Int($1.split(separator: " ")[1]) ?? 0) }
        publisher?.close()
        runLoop(loop, seconds: settle)
        for (i, s) in servers.enumerated() { result.nodes[i].rssAfterLeave = s.residentBytes() }
        result.loadAverageAfter = Self.loadAverage()
        return result
    }
}

/// The three latency distributions of a run, merged over the client processes.
public struct PlacedHistogramsView {
    public var onRoomsNode = LatencyHistogram()
    public var relayed = LatencyHistogram()
    public var roomsNodeUnknown = LatencyHistogram()
    public var all = LatencyHistogram()

    public init() {}

    init(_ h: PlacedHistograms) {
        onRoomsNode = h.local
        relayed = h.relayed
        roomsNodeUnknown = h.unknown
        all = h.all
    }
}
