import EventLoop
import Foundation
import LoopWebSocketClient
import SystemClock

/// A client on its own thread and loop that, every `interval`, joins a room of its own, sends
/// one ping and leaves: how long a join and a ping take elsewhere on the server while a
/// benchmark loads it (issue 12: a join + ping in another room took up to 1.6 s while 6,000
/// joined one room). Its own thread, so the load generator's busy loop is not measured.
public final class LatencyProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var joins = LatencyHistogram()
    private var pings = LatencyHistogram()
    private var failed = 0
    private var stopRequested = false
    private var finished = false
    private let port: Int
    private let interval: Double
    private let room: String

    public init(port: Int, interval: Double = 0.1, room: String = "bench-probe") {
        self.port = port
        self.interval = interval
        self.room = room
    }

    public struct Snapshot: Sendable {
        public var joins: LatencyHistogram
        public var pings: LatencyHistogram
        public var failed: Int
    }

    public func start() {
        Thread.detachNewThread { [self] in self.runThread() }
    }

    /// What was measured so far; with `reset`, starts a new window.
    public func snapshot(reset: Bool = false) -> Snapshot {
        lock.lock()
        defer { lock.unlock() }
        let s = Snapshot(joins: joins, pings: pings, failed: failed)
        if reset {
            joins.reset()
            pings.reset()
            failed = 0
        }
        return s
    }

    /// Stops after the probe in progress and waits for the thread to end.
    public func stop() {
        lock.lock()
        stopRequested = true
        lock.unlock()
        while true {
            lock.lock()
            let done = finished
            lock.unlock()
            if done { return }
            usleep(5_000)
        }
    }

    private var shouldStop: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopRequested
    }

    private func runThread() {
        defer {
            lock.lock()
            finished = true
            lock.unlock()
        }
        guard let loop = try? EventLoop() else { return }
        defer { loop.close() }
        // Wakes the loop so a probe whose answer never comes still ends.
        let tick = LoopTimer(loop: loop) {}
        tick.start(afterMilliseconds: 10, repeatMilliseconds: 10)
        var k = 0
        while !shouldStop {
            k += 1
            probeOnce(loop: loop, identity: "probe-\(k)")
            let next = SystemClock.monotonicNanoseconds &+ UInt64(interval * 1e9)
            while SystemClock.monotonicNanoseconds < next && !shouldStop { _ = loop.runOnce(block: true) }
        }
        tick.stop()
    }

    private func probeOnce(loop: EventLoop, identity: String) {
        let token = BenchClients.token(identity: identity, room: room)
        let client = LoopWebSocketClient(host: "127.0.0.1", port: port, path: "/rtc?access_token=\(token)")
        let started = SystemClock.monotonicNanoseconds
        var pingSentAt: UInt64 = 0
        var joined = false
        var done = false
        var ok = false
        client.onText = { bytes in
            let now = SystemClock.monotonicNanoseconds
            if !joined {
                joined = true
                self.record { $0.joins.record(now &- started) }
                pingSentAt = SystemClock.monotonicNanoseconds
                client.send(text: Array(#"{"type":"ping","id":1}"#.utf8))
            } else if String(decoding: bytes, as: UTF8.self).contains(#""type":"pong""#) {
                self.record { $0.pings.record(now &- pingSentAt) }
                ok = true
                done = true
            }
        }
        client.onFailure = { _ in done = true }
        client.onClose = { _ in done = true }
        client.start(loop: loop, host: "127.0.0.1", port: port)
        let deadline = started &+ 30_000_000_000
        while !done && SystemClock.monotonicNanoseconds < deadline { _ = loop.runOnce(block: true) }
        if !ok { record { $0.failed += 1 } }
        client.close()
        for _ in 0..<3 { _ = loop.runOnce(block: false) }
    }

    private func record(_ body: (LatencyProbe) -> Void) {
        lock.lock()
        body(self)
        lock.unlock()
    }
}
