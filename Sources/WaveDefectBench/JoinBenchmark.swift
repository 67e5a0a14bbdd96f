import EventLoop
import Foundation
import LoopWebSocketClient

/// Joins per second: TCP connect, HTTP upgrade with token verification, `joined`.
public struct JoinBenchmark {
    public var count = 2000
    public var concurrency = 32
    /// Participants per room (visible, so each join is announced to the room).
    public var roomSize = 50

    public init() {}

    public struct Result {
        public var joins: Int
        public var seconds: Double
        public var serverCPUSeconds: Double
        public var joinsPerSecond: Double { Double(joins) / seconds }
        public var serverMicrosecondsPerJoin: Double { serverCPUSeconds * 1e6 / Double(max(joins, 1)) }
    }

    public func run(server: BenchServer) throws -> Result {
        let loop = try EventLoop()
        defer { loop.close() }
        ProcessLimits.raiseOpenFiles()
        let cpuStart = server.cpuSeconds()
        let start = Date()
        let size = roomSize
        let clients = try BenchClients.connect(loop: loop, port: server.port, tls: server.tls, count: count, room: { "bench-join-\($0 / size)" }, concurrency: concurrency)
        let elapsed = Date().timeIntervalSince(start)
        let cpu = server.cpuSeconds() - cpuStart
        for c in clients { c.close() }
        runLoop(loop, seconds: 0.5)
        return Result(joins: count, seconds: elapsed, serverCPUSeconds: cpu)
    }
}

/// Resident memory per idle joined connection.
public struct IdleMemoryBenchmark {
    public var connections = 10_000
    public var roomSize = 100
    public var settle = 2.0

    public init() {}

    public struct Result {
        public var connections: Int
        public var baselineBytes: Int
        public var loadedBytes: Int
        public var baselineAnonymousBytes: Int
        public var loadedAnonymousBytes: Int
        public var bytesPerConnection: Double { Double(loadedBytes - baselineBytes) / Double(connections) }
        public var anonymousBytesPerConnection: Double { Double(loadedAnonymousBytes - baselineAnonymousBytes) / Double(connections) }
    }

    public func run(server: BenchServer) throws -> Result {
        let loop = try EventLoop()
        defer { loop.close() }
        ProcessLimits.raiseOpenFiles()
        // Warm up every code path once (TLS-free joins, token checks, presence) so that
        // the shared-library pages they pull in are in the baseline, not in the per-connection cost.
        let size = roomSize
        let warm = try BenchClients.connect(loop: loop, port: server.port, tls: server.tls, count: 200, room: { "bench-warm-\($0 / size)" }, concurrency: 64)
        for c in warm { c.close() }
        runLoop(loop, seconds: settle)
        let baseline = server.residentBytes()
        let baselineAnonymous = server.residentAnonymousBytes()
        let clients = try BenchClients.connect(loop: loop, port: server.port, tls: server.tls, count: connections, room: { "bench-idle-\($0 / size)" }, concurrency: 128, timeout: 300)
        runLoop(loop, seconds: settle)
        let loaded = server.residentBytes()
        let loadedAnonymous = server.residentAnonymousBytes()
        for c in clients { c.close() }
        runLoop(loop, seconds: 1)
        return Result(
            connections: connections, baselineBytes: baseline, loadedBytes: loaded,
            baselineAnonymousBytes: baselineAnonymous, loadedAnonymousBytes: loadedAnonymous
        )
    }
}
