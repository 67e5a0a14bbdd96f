import ByteStorage
import EventLoop
import Foundation
import LoopWebSocketClient
import SystemClock
import WebSocketCore

/// Ping round trips: `connections` clients each keep one `{"type":"ping"}` in flight and
/// send the next as soon as the pong arrives.
public struct PingBenchmark {
    public var connections = 100
    public var duration = 10.0
    public var warmup = 2.0

    public init() {}

    public struct Result {
        public var connections: Int
        public var seconds: Double
        public var roundTrips: Int
        public var latency: LatencyHistogram
        public var serverCPUSeconds: Double

        public var roundTripsPerSecond: Double { Double(roundTrips) / seconds }
        public var serverMicrosecondsPerRoundTrip: Double { serverCPUSeconds * 1e6 / Double(max(roundTrips, 1)) }
    }

    public func run(server: BenchServer) throws -> Result {
        let loop = try EventLoop()
        defer { loop.close() }
        ProcessLimits.raiseOpenFiles()
        let frame = SharedBytes(WebSocketFrameEncoder.frame(.text, payload: Array(#"{"type":"ping","id":1}"#.utf8), maskKey: 0x1357_9BDF))
        var sentAt = [UInt64](repeating: 0, count: connections)
        // No load to stop and nothing in flight to wait for: every round trip counts as it ends.
        let window = MeasurementWindow(loop: loop, warmup: warmup, duration: duration, drain: 0, processes: [server.pid])
        var roundTrips = 0
        var latency = LatencyHistogram()
        let clients = try BenchClients.connect(loop: loop, port: server.port, tls: server.tls, count: connections, room: { _ in "bench-ping" }, hidden: true)
        for (i, client) in clients.enumerated() {
            client.onText = { _ in
                let now = SystemClock.monotonicNanoseconds
                if window.isMeasuring {
                    roundTrips += 1
                    latency.record(now &- sentAt[i])
                }
                sentAt[i] = now
                client.send(frame: frame)
            }
        }
        for (i, client) in clients.enumerated() {
            sentAt[i] = SystemClock.monotonicNanoseconds
            client.send(frame: frame)
        }
        let m = window.run()
        for c in clients { c.onText = nil; c.close() }
        runLoop(loop, seconds: 0.3)
        return Result(connections: connections, seconds: m.seconds, roundTrips: roundTrips, latency: latency, serverCPUSeconds: m.cpuSeconds[0])
    }
}

/// Runs the loop for `seconds` of wall time.
func runLoop(_ loop: EventLoop, seconds: Double) {
    var done = false
    let timer = LoopTimer(loop: loop) { done = true }
    timer.start(afterMilliseconds: UInt64(seconds * 1000))
    while !done { loop.runOnce(block: true) }
}
