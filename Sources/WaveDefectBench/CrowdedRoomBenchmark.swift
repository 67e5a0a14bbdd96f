import EventLoop
import Foundation
import LoopWebSocketClient
import SystemClock

/// Joins into ONE room (issue 12, "a crowded room costs O(N²)"): every join is announced to
/// everyone already there and every joiner gets the whole list, so N joins cost O(N²). Reports
/// the server's CPU and peak memory for the N joins and, from `LatencyProbe`, how long a join
/// and a ping took in another room meanwhile. With `reading: false` the participants stop
/// reading after `joined`, as in the attack: what they are sent then piles up on the
/// server until a budget cuts them off.
public struct CrowdedRoomBenchmark {
    public var participants = 1000
    public var concurrency = 32
    public var reading = true

    public init() {}

    public struct Result {
        public var participants: Int
        public var joined: Int
        /// Closed by the server (cut off, refused) before the end.
        public var closedByServer: Int
        public var seconds: Double
        public var serverCPUSeconds: Double
        public var baselineRSS: Int
        public var peakRSS: Int
        public var probe: LatencyProbe.Snapshot
    }

    public func run(server: BenchServer) throws -> Result {
        let loop = try EventLoop()
        defer { loop.close() }
        ProcessLimits.raiseOpenFiles()
        let probe = LatencyProbe(port: server.port)
        probe.start()
        runLoop(loop, seconds: 1)  // a few probes on the idle server first
        _ = probe.snapshot(reset: true)
        let baseline = server.residentBytes()
        let cpuStart = server.cpuSeconds()
        let start = Date()

        var clients: [LoopWebSocketClient] = []
        var started = 0
        var inFlight = 0
        var joined = 0
        var settled = 0  // joined or closed before joining
        var closedByServer = 0
        var failure: String?
        let reading = reading
        func startNext() {
            while started < participants && inFlight < concurrency {
                let i = started
                started += 1
                inFlight += 1
                let token = BenchClients.token(identity: "crowd-\(i)", room: "bench-crowd")
                let client = LoopWebSocketClient(host: "127.0.0.1", port: server.port, path: "/rtc?access_token=\(token)")
                clients.append(client)
                var sawJoined = false
                client.onText = { [unowned client] _ in
                    guard !sawJoined else { return }
                    sawJoined = true
                    joined += 1
                    settled += 1
                    inFlight -= 1
                    if !reading { client.connection?.stopReading() }
                    startNext()
                }
                client.onClose = { _ in
                    closedByServer += 1
                    if !sawJoined {
                        sawJoined = true
                        settled += 1
                        inFlight -= 1
                        startNext()
                    }
                }
                client.onFailure = { failure = $0 }
                client.start(loop: loop, host: "127.0.0.1", port: server.port)
            }
        }
        startNext()
        let deadline = Date().addingTimeInterval(1800)
        while settled < participants && failure == nil && Date() < deadline { _ = loop.runOnce(block: true) }
        if let failure { throw BenchError("a client failed: \(failure.prefix(300))") }
        // The last announcements reach everyone (or pile up) before the figures are read.
        runLoop(loop, seconds: 2)
        let elapsed = Date().timeIntervalSince(start)
        let cpu = server.cpuSeconds() - cpuStart
        let peak = ProcessStats.residentBytes(pid: server.pid, field: "VmHWM:")
        probe.stop()
        let measured = probe.snapshot()
        for c in clients { c.onClose = nil; c.close() }
        runLoop(loop, seconds: 1)
        return Result(
            participants: participants, joined: joined, closedByServer: closedByServer, seconds: elapsed, serverCPUSeconds: cpu,
            baselineRSS: baseline, peakRSS: peak, probe: measured
        )
    }
}
