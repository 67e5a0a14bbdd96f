import EventLoop
import Foundation

/// What `bench cluster --connections` prints: one line per figure, every node on its own.
enum ClusterConnectionsReport {
    static func print(_ r: ClusterConnectionsBenchmark.Result, _ b: ClusterConnectionsBenchmark) {
        let layout = b.layout
        let mib = { (bytes: Int) in format(Double(bytes) / 1_048_576, 1) }
        let ms = { (ns: UInt64) in format(Double(ns) / 1e6, 2) }
        let latency = { (h: LatencyHistogram) in "p50 \(ms(h.percentile(0.5))) ms, p99 \(ms(h.percentile(0.99))) ms, max \(ms(h.max)) ms (\(h.count))" }
        let share = { (cpu: Double, seconds: Double) in "\(format(cpu, 2)) s (\(format(100 * cpu / max(seconds, 0.001), 1))% of a core)" }
        let rooms = layout.roomSize == 0 ? "one room" : "rooms of \(layout.roomSize)"
        let placement = layout.placement == .spread ? "connection i on node i mod \(layout.nodes)" : "each room's members on one node"
        Swift.print("bench cluster --connections: \(layout.connections) connections over \(layout.nodes) node(s) + Redis, \(rooms) (\(layout.placement.rawValue): \(placement)), \(r.joined.count) client processes from \(layout.sources) source address(es)")
        Swift.print("  load average       \(r.loadAverageBefore) before, \(r.loadAverageAfter) after")
        Swift.print("  joined             \(r.totalJoined) of \(layout.connections) in \(format(r.joinSeconds, 1)) s (per client process: \(r.joined.map(String.init).joined(separator: " ")))")
        for (i, n) in r.nodes.enumerated() {
            let joinedHere = max(n.clients, 1)
            Swift.print("  node \(i + 1)             /metrics: \(n.metricsConnections) connections, \(n.metricsParticipants) participants in its rooms, \(n.upgrades) upgrades (\(n.refusedUpgrades) refused); \(n.clients) clients here; \(n.openFiles) open files")
            Swift.print("                     RSS \(mib(n.rssBefore)) → \(mib(n.rssJoined)) MiB = \(format(Double(n.rssJoined - n.rssBefore) / Double(joinedHere), 0)) B per connection (anonymous \(format(Double(n.anonJoined - n.anonBefore) / Double(joinedHere), 0)) B), \(mib(n.rssAfterLeave)) MiB \(format(b.settle, 1)) s after the clients left; idle CPU \(share(n.idleCPUSeconds, r.idleSeconds))")
        }
        let rssTotal = r.nodes.reduce(0) { $0 + $1.rssJoined }
        let anonPerConnection = Double(r.nodes.reduce(0) { $0 + $1.anonJoined - $1.anonBefore }) / Double(max(r.totalJoined, 1))
        let idleCPU = r.nodes.map(\.idleCPUSeconds)
        Swift.print("  all nodes          RSS \(mib(rssTotal)) MiB with everyone joined; \(format(r.bytesPerConnection, 0)) B per connection (anonymous \(format(anonPerConnection, 0)) B); idle CPU \(idleCPU.map { format($0, 2) }.joined(separator: " + ")) = \(share(idleCPU.reduce(0, +), r.idleSeconds)) over \(format(r.idleSeconds, 1)) s")
        Swift.print("  Redis              RSS \(mib(r.redisRSS)) MiB; idle CPU \(share(r.redisIdleCPUSeconds, r.idleSeconds))")
        Swift.print("  client processes   open files \(r.clientOpenFiles.map(String.init).joined(separator: " ")) (limit \(openFileLimit())); idle CPU \(share(r.clientsIdleCPUSeconds, r.idleSeconds))")
        if b.pingSeconds > 0 {
            Swift.print("  pings              \(r.pongs) pongs to \(r.pingsSent) pings (\(format(b.pingRate, 0))/s round robin for \(format(b.pingSeconds, 0)) s); RTT \(latency(r.pings.all))")
            if r.pings.onRoomsNode.count > 0 { Swift.print("    on the room's node \(latency(r.pings.onRoomsNode))") }
            if r.pings.relayed.count > 0 { Swift.print("    relayed          \(latency(r.pings.relayed))") }
        }
        if r.published > 0 {
            Swift.print("  broadcast          \(r.published) messages (\(format(b.broadcastRate, 1))/s) × \(layout.connections) listeners: delivered \(r.delivered) of \(r.expectedDeliveries); latency \(latency(r.deliveries.all))")
            if r.deliveries.onRoomsNode.count > 0 { Swift.print("    on the room's node \(latency(r.deliveries.onRoomsNode))") }
            if r.deliveries.relayed.count > 0 { Swift.print("    relayed          \(latency(r.deliveries.relayed))") }
            let cpu = r.nodes.map(\.broadcastCPUSeconds)
            Swift.print("    nodes' CPU       \(cpu.map { format($0, 2) }.joined(separator: " + ")) = \(format(cpu.reduce(0, +), 2)) s over \(format(r.broadcastSeconds, 1)) s = \(format(cpu.reduce(0, +) * 1e6 / Double(max(r.delivered, 1)), 3)) µs per delivery; Redis \(format(r.redisBroadcastCPUSeconds, 2)) s")
        }
        Swift.print("  closed             \(r.closedByServer) of \(r.totalJoined) connections closed cleanly")
    }

    static func openFileLimit() -> String {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return String(limit.rlim_max)
    }
}
