import EventLoop
import Foundation
import LoopWebSocketClient
import SystemClock
import WireJSON

/// `bench soak` (issue 12): `connections` participants in rooms of `roomSize`, one publisher
/// per room sending reliable messages, and a steady churn — clean leaves followed by a fresh
/// join, and dropped connections (no close frame) that resume after up to 1.5 s. Every
/// receiver checks the room's `seq` of each message it gets: one more than the last is
/// delivery in order, a jump is a loss, a step back a reordering. Prints the server's RSS,
/// open descriptors and a probe's join + ping latency (another room) per interval, and at
/// the end whether memory and descriptors came back to their baseline.
public final class SoakBenchmark {
    public var connections = 2000
    public var minutes = 5.0
    public var roomSize = 50
    /// Churn events (a leave and rejoin, or a drop and resume) per second, over all rooms.
    public var churnPerSecond = 20.0
    /// Reliable messages per second per room.
    public var ratePerRoom = 1.0
    public var reportInterval = 15.0

    public init() {}

    public struct Counters {
        public var published = 0
        public var delivered = 0
        public var lost = 0
        public var reordered = 0
        public var gapsReported = 0
        public var leaves = 0
        public var drops = 0
        public var resumes = 0
        /// Resumes the server answered with a fresh join (the participant was gone).
        public var resumesRefused = 0
        public var failedJoins = 0
    }

    /// One participant slot: it keeps its identity across drops (resume) and takes a new
    /// one after a clean leave.
    final class Slot {
        let index: Int
        let room: Int
        var identity: String
        /// Reconnects a dropped participant after its pause.
        var resumeTimer: LoopTimer?
        var client: LoopWebSocketClient?
        var resumeToken: String?
        /// The room seq of the last message this slot's participant received (or of the room at its join).
        var lastSeq: UInt64 = 0
        var isJoined = false
        var busy = false

        init(index: Int, room: Int) {
            self.index = index
            self.room = room
            identity = "p\(index)"
        }
    }

    var counters = Counters()
    private var loop: EventLoop!
    private var port = 0
    private var generation = 0
    private var joinsInFlight = 0
    private var publishers: [LoopWebSocketClient] = []
    private var lastPublishedSeq: [UInt64] = []
    private var slots: [Slot] = []

    public func run(server: BenchServer, report: (String) -> Void) throws {
        loop = try EventLoop()
        defer { loop.close() }
        port = server.port
        ProcessLimits.raiseOpenFiles()
        let rooms = max(1, connections / roomSize)
        let probe = LatencyProbe(port: server.port, room: "soak-probe")
        probe.start()
        runLoop(loop, seconds: 1)
        let baseRSS = server.residentBytes()
        let baseFDs = Self.openDescriptors(pid: server.pid)
        report("soak: \(connections) participants in \(rooms) rooms of \(roomSize) (one publisher each, \(ratePerRoom) msg/s), churn \(churnPerSecond)/s, \(minutes) min")
        report("baseline: RSS \(baseRSS / 1024) KiB, \(baseFDs) open descriptors")

        lastPublishedSeq = Array(repeating: 0, count: rooms)
        var ready = 0
        for r in 0..<rooms {
            let publisher = LoopWebSocketClient(host: "127.0.0.1", port: port, path: "/rtc?access_token=\(BenchClients.token(identity: "pub", room: "soak-\(r)"))")
            var first = true
            publisher.onText = { [unowned self] bytes in
                if first { first = false; ready += 1; return }
                guard let v = try? JSONParser.parse(bytes), v["type"]?.stringValue == "ack", let seq = v["seq"]?.int64Value else { return }
                lastPublishedSeq[r] = UInt64(seq)
                counters.published += 1
            }
            publisher.start(loop: loop, host: "127.0.0.1", port: port)
            publishers.append(publisher)
        }
        for i in 0..<(connections - rooms) {
            slots.append(Slot(index: i, room: i % rooms))
        }
        // Joins, 64 at a time.
        var next = 0
        let joinStarted = Date()
        while (ready < rooms || next < slots.count || joinsInFlight > 0) && Date().timeIntervalSince(joinStarted) < 600 {
            while next < slots.count && joinsInFlight < 64 {
                connect(slots[next], resume: false)
                next += 1
            }
            _ = loop.runOnce(block: true)
        }
        report("joined \(slots.filter(\.isJoined).count + ready) of \(connections) in \(format(Date().timeIntervalSince(joinStarted), 1)) s")

        // Steady state: publish, churn, report.
        let frame = { (n: Int) in Array(#"{"type":"publish","topic":"soak","payload":{"n":\#(n)},"id":\#(n)}"#.utf8) }
        var published = 0
        let publishTimer = LoopTimer(loop: loop) { [unowned self] in
            published += 1
            for p in publishers where p.isOpen { p.send(text: frame(published)) }
        }
        publishTimer.start(afterMilliseconds: 100, repeatMilliseconds: UInt64(1000 / ratePerRoom))
        var churnDebt = 0.0
        let churnTimer = LoopTimer(loop: loop) { [unowned self] in
            churnDebt += churnPerSecond / 10
            while churnDebt >= 1 {
                churnDebt -= 1
                churnOne()
            }
        }
        churnTimer.start(afterMilliseconds: 100, repeatMilliseconds: 100)
        let start = Date()
        let end = start.addingTimeInterval(minutes * 60)
        report("     t   RSS KiB   fds  joined  published  delivered  lost  reordered  gaps  leaves  drops  resumes  probe join p50/p99 ms  ping p50/p99/max ms")
        while end.timeIntervalSinceNow > 0.5 {
            runLoop(loop, seconds: min(reportInterval, end.timeIntervalSinceNow))
            let p = probe.snapshot(reset: true)
            let ms = { (ns: UInt64) in format(Double(ns) / 1e6, 2) }
            let c = counters
            report(String(format: "%6.0f %9d %5d %7d %10d %10d %5d %10d %5d %7d %6d %8d", Date().timeIntervalSince(start), server.residentBytes() / 1024,
                          Self.openDescriptors(pid: server.pid), slots.filter(\.isJoined).count, c.published, c.delivered, c.lost, c.reordered,
                          c.gapsReported, c.leaves, c.drops, c.resumes)
                   + "  \(ms(p.joins.percentile(0.5)))/\(ms(p.joins.percentile(0.99)))  \(ms(p.pings.percentile(0.5)))/\(ms(p.pings.percentile(0.99)))/\(ms(p.pings.max))")
        }
        publishTimer.stop()
        churnTimer.stop()
        // Let drops resume and the last messages arrive, then check every receiver is at the
        // room's last seq.
        let drainDeadline = Date().addingTimeInterval(10)
        while Date() < drainDeadline && slots.contains(where: { !$0.isJoined || $0.lastSeq < lastPublishedSeq[$0.room] }) {
            runLoop(loop, seconds: 0.1)
        }
        let behind = slots.filter { $0.isJoined && $0.lastSeq < lastPublishedSeq[$0.room] }.count
        let c = counters
        report("end: \(c.published) published (acked), \(c.delivered) delivered, \(c.lost) lost, \(c.reordered) reordered, \(c.gapsReported) gaps reported on resume, "
               + "\(behind) receivers behind the last seq, \(c.failedJoins) failed joins, \(c.resumesRefused) resumes refused; churn \(c.leaves) leaves, \(c.drops) drops, \(c.resumes) resumes")
        probe.stop()
        for s in slots { s.client?.onClose = nil; s.client?.close() }
        for p in publishers { p.close() }
        for wait in [3.0, 27.0] {
            runLoop(loop, seconds: wait)
            report("after the clients left (+\(Int(wait == 3 ? 3 : 30)) s): RSS \(server.residentBytes() / 1024) KiB (baseline \(baseRSS / 1024)), "
                   + "\(Self.openDescriptors(pid: server.pid)) open descriptors (baseline \(baseFDs))")
        }
    }

    private func connect(_ slot: Slot, resume: Bool) {
        var query = ""
        if resume, let token = slot.resumeToken { query = "&resume=\(token)&last_seq=\(slot.lastSeq)" }
        let path = "/rtc?access_token=\(BenchClients.token(identity: slot.identity, room: "soak-\(slot.room)"))\(query)"
        let client = LoopWebSocketClient(host: "127.0.0.1", port: port, path: path)
        slot.client = client
        slot.busy = true
        joinsInFlight += 1
        client.onText = { [unowned self, unowned slot] bytes in
            guard let v = try? JSONParser.parse(bytes), let type = v["type"]?.stringValue else { return }
            switch type {
            case "joined":
                slot.isJoined = true
                slot.busy = false
                joinsInFlight -= 1
                slot.resumeToken = v["resume_token"]?.stringValue
                if v["resumed"]?.boolValue == true {
                    counters.resumes += 1  // replayed messages follow, from slot.lastSeq + 1
                } else {
                    if resume { counters.resumesRefused += 1 }
                    slot.lastSeq = UInt64(v["seq"]?.int64Value ?? 0)
                }
            case "resumed":
                if v["gap"]?.boolValue == true { counters.gapsReported += 1 }
            case "data":
                guard let seq = v["seq"]?.int64Value.map(UInt64.init) else { return }
                counters.delivered += 1
                if seq == slot.lastSeq &+ 1 {
                    slot.lastSeq = seq
                } else if seq > slot.lastSeq {
                    counters.lost += Int(seq - slot.lastSeq - 1)
                    slot.lastSeq = seq
                } else {
                    counters.reordered += 1
                }
            default:
                break
            }
        }
        client.onFailure = { [unowned self, unowned slot] _ in
            counters.failedJoins += 1
            slot.busy = false
            joinsInFlight -= 1
        }
        client.start(loop: loop, host: "127.0.0.1", port: port)
    }

    /// One churn event on a random joined participant: a clean leave and a fresh join under
    /// a new identity, or (twice as often) a dropped connection that resumes after 0–1.5 s.
    private func churnOne() {
        guard let slot = slots.randomElement(), slot.isJoined, !slot.busy, let client = slot.client else { return }
        slot.isJoined = false
        slot.busy = true
        client.onText = nil
        if Int.random(in: 0..<3) == 0 {
            counters.leaves += 1
            client.onClose = { [unowned self, unowned slot] _ in
                generation += 1
                slot.identity = "p\(slot.index)-\(generation)"
                slot.resumeToken = nil
                connect(slot, resume: false)
            }
            client.close()
        } else {
            counters.drops += 1
            client.connection?.close()  // FIN without a close frame: the server suspends the participant
            if slot.resumeTimer == nil {
                slot.resumeTimer = LoopTimer(loop: loop) { [unowned self, unowned slot] in connect(slot, resume: true) }
            }
            slot.resumeTimer?.start(afterMilliseconds: UInt64.random(in: 0...1500))
        }
    }

    static func openDescriptors(pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }
}
