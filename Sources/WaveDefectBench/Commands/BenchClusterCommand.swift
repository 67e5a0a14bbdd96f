import ArgumentParser
import EventLoop
import Foundation

extension ClusterConnectionsLayout.Placement: ExpressibleByArgument {}

/// `bench cluster`: a cluster of `--nodes` nodes and Redis on this machine. By default one room
/// with `--subscribers` listeners and a publisher (the cost of spreading a room); with
/// `--connections N`, N joined connections from several client processes (how many a
/// cluster holds, and what they cost idle, pinged and broadcast to).
struct BenchCluster: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "N nodes and Redis: one room's fan-out over the nodes, or (--connections) many joined connections from several client processes.",
        discussion: "docs/benchmarks.md: \"One room over three nodes against one node\" and \"50,000 connections over three nodes\"."
    )
    @Option(help: "Nodes (1 = the same load on one node, with Redis).") var nodes = 3
    @Option(help: "Subscribers in the room, spread evenly over the nodes.") var subscribers = 3000
    @Option(help: "Messages published per second (on node 1, the room's node).") var rate = 50.0
    @Option(help: "Payload JSON size in bytes.") var payload = 64
    @Option(help: "Measured seconds.") var duration = 10.0
    @Option(help: "The redis-server executable.") var redisServer = "/usr/bin/redis-server"

    @Option(help: "Joined connections over the nodes instead of the fan-out (e.g. 50000); the options below apply.") var connections: Int?
    @Option(help: "Participants per room; 0: every connection in one room, with broadcasts from node 1.") var roomSize = 100
    @Option(help: "spread: connection i on node i mod N; room: a room's members on one node (not with --room-size 0).") var placement = ClusterConnectionsLayout.Placement.spread
    @Option(help: "Client processes (each holds its share of the connections: at most 20,000 open files per process here).") var clientProcesses = 4
    @Option(help: "Source addresses 127.0.0.1 … 127.0.0.K the clients connect from.") var sources = 8
    @Option(help: "Seconds after the last join before memory is read (and after the clients leave before it is read again).") var settle = 2.0
    @Option(help: "Seconds of the idle window (CPU of every process while nothing is sent).") var idleSeconds = 10.0
    @Option(help: "Pings per second over all connections, round robin.") var pingRate = 2000.0
    @Option(help: "Seconds of pings (0: none).") var pingSeconds = 10.0
    @Option(help: "With --room-size 0: messages per second published to the room.") var broadcastRate = 1.0
    @Option(help: "With --room-size 0: seconds of broadcasts (0: none).") var broadcastSeconds = 10.0

    func validate() throws {
        guard nodes >= 1 else { throw ValidationError("--nodes must be at least 1") }
        guard let connections else {
            guard subscribers >= nodes else { throw ValidationError("--subscribers must be at least --nodes") }
            return
        }
        guard connections >= 1, clientProcesses >= 1, sources >= 1, sources <= 254, roomSize >= 0 else {
            throw ValidationError("--connections and --client-processes must be at least 1, --sources 1…254, --room-size at least 0")
        }
        guard !(roomSize == 0 && placement == .room) else { throw ValidationError("--placement room needs rooms (--room-size above 0)") }
    }

    func run() throws {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if let connections {
            var b = ClusterConnectionsBenchmark()
            b.layout = ClusterConnectionsLayout(nodes: nodes, connections: connections, roomSize: roomSize, placement: placement, sources: sources)
            b.clientProcesses = clientProcesses
            b.settle = settle
            b.idleSeconds = idleSeconds
            b.pingRate = pingRate
            b.pingSeconds = pingSeconds
            b.broadcastRate = broadcastRate
            b.broadcastSeconds = broadcastSeconds
            b.redisServer = redisServer
            ClusterConnectionsReport.print(try b.run(executable: exe), b)
            return
        }
        var b = ClusterBenchmark()
        b.nodes = nodes
        b.subscribers = subscribers
        b.rate = rate
        b.payloadBytes = payload
        b.duration = duration
        b.redisServer = redisServer
        let r = try b.run(executable: exe)
        let ms = { (ns: UInt64) in format(Double(ns) / 1e6, 2) }
        let line = { (h: LatencyHistogram) in "p50 \(ms(h.percentile(0.5))) ms, p99 \(ms(h.percentile(0.99))) ms, max \(ms(h.max)) ms (\(h.count) deliveries)" }
        print("bench cluster: \(r.nodes) node(s) + Redis, 1 publisher on node 1 → \(r.subscribers) subscribers (\(r.subscribers / r.nodes)+ per node), \(format(rate, 0)) msg/s, \(payload)-byte payloads (\(r.frameBytes)-byte frames), \(format(r.seconds)) s")
        print("  published          \(r.published)")
        print("  delivered          \(r.delivered) of \(r.expected) expected (\(format(r.deliveredPerSecond, 0))/s)")
        print("  on the room's node \(line(r.latencyLocal))")
        if r.nodes > 1 { print("  relayed            \(line(r.latencyRelayed))") }
        let perNode = r.nodeCPUSeconds.map { format($0, 2) }.joined(separator: " + ")
        print("  nodes' CPU         \(perNode) = \(format(r.serverCPUSeconds, 2)) s = \(format(r.serverMicrosecondsPerDelivery, 3)) µs per delivered message (\(format(100 * r.serverCPUSeconds / r.seconds, 0))% of a core)")
        print("  Redis CPU          \(format(r.redisCPUSeconds, 2)) s = \(format(r.redisCPUSeconds * 1e6 / Double(max(r.delivered, 1)), 3)) µs per delivered message (\(format(100 * r.redisCPUSeconds / r.seconds, 0))% of a core)")
        print("  load generator CPU \(format(r.clientCPUSeconds, 2)) s (\(format(100 * r.clientCPUSeconds / r.seconds, 0))% of a core)")
        print("  load average       \(ClusterConnectionsBenchmark.loadAverage())")
    }
}

/// One client process of `bench cluster --connections` (started by it; see
/// `ClusterClientProcess` for the commands it reads on stdin).
struct BenchClusterClients: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster-clients", abstract: "A client process of bench cluster --connections (started by it).", shouldDisplay: false
    )
    @Option(help: "The nodes' ports, comma-separated.") var ports: String
    @Option(help: "The first connection of this process.") var first: Int
    @Option(help: "Connections of this process.") var count: Int
    @Option(help: "Connections of the whole run.") var connections: Int
    @Option var roomSize: Int
    @Option var placement: ClusterConnectionsLayout.Placement
    @Option var sources: Int

    func run() throws {
        let ports = self.ports.split(separator: ",").compactMap { Int($0) }
        guard !ports.isEmpty else { throw ValidationError("--ports: no port") }
        var p = ClusterClientProcess(
            layout: ClusterConnectionsLayout(nodes: ports.count, connections: connections, roomSize: roomSize, placement: placement, sources: sources), ports: ports
        )
        p.first = first
        p.count = count
        try p.run()
    }
}
