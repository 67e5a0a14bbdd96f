import ByteStorage
import EventLoop
import Foundation
import LoopWebSocketClient
import SystemClock
import WebSocketCore

/// One publisher, many subscribers in one room, small payloads at a fixed rate: delivered
/// messages per second, server CPU per delivered message, publish→receive latency.
public struct FanoutBenchmark {
    public var subscribers = 500
    /// Messages the publisher sends per second.
    public var rate = 400.0
    /// Size of the `payload` JSON in bytes (the envelope adds ~100 bytes).
    public var payloadBytes = 64
    public var duration = 10.0
    public var warmup = 2.0

    public init() {}

    public struct Result {
        public var subscribers: Int
        public var published: Int
        public var delivered: Int
        public var seconds: Double
        public var latency: LatencyHistogram
        public var serverCPUSeconds: Double
        public var frameBytes: Int

        public var deliveredPerSecond: Double { Double(delivered) / seconds }
        public var serverMicrosecondsPerDelivery: Double { serverCPUSeconds * 1e6 / Double(max(delivered, 1)) }
        public var expected: Int { published * subscribers }
    }

    /// `{"type":"publish","topic":"bench","payload":{"t":<ns>,"p":"xx…"}}` with the
    /// payload padded to `payloadBytes`.
    func publishFrame(now: UInt64) -> SharedBytes {
        let head = #"{"t":\#(now),"p":""#
        let pad = String(repeating: "x", count: max(0, payloadBytes - head.utf8.count - 2))
        let text = #"{"type":"publish","topic":"bench","reliable":true,"payload":\#(head)\#(pad)"}}"#
        return SharedBytes(WebSocketFrameEncoder.frame(.text, payload: Array(text.utf8), maskKey: 0x2468_ACE0))
    }

    public func run(server: BenchServer) throws -> Result {
        let loop = try EventLoop()
        defer { loop.close() }
        ProcessLimits.raiseOpenFiles()
        var measuring = false
        // Only messages published inside the window count, so `delivered` can be compared
        // with `published × subscribers` exactly.
        var windowStart: UInt64 = .max
        var windowEnd: UInt64 = .max
        var delivered = 0
        var frameBytes = 0
        var latency = LatencyHistogram()
        let subs = try BenchClients.connect(loop: loop, port: server.port, tls: server.tls, count: subscribers + 1, room: { _ in "bench-fanout" }, hidden: true)
        let publisher = subs[subscribers]
        for client in subs.dropLast() {
            client.onText = { bytes in
                guard measuring else { return }
                let now = SystemClock.monotonicNanoseconds
                if let t = Self.sendTime(in: bytes), t >= windowStart, t < windowEnd {
                    delivered += 1
                    frameBytes = bytes.count
                    latency.record(now &- t)
                }
            }
        }
        var published = 0
        var countAtStart = 0
        // The rate is held against the clock, not counted per timer tick: when reading the
        // subscribers makes a tick late, the next one catches up. (Counting per tick let the
        // rate sag under load — a fraction of the messages, each costing the server more
        // because nothing batched — which is why this benchmark once reported 25% more CPU
        // per message than an outside client against the same server.)
        let publishStart = SystemClock.monotonicNanoseconds
        let tick = LoopTimer(loop: loop) {
            let now = SystemClock.monotonicNanoseconds
            let due = Int(Double(now &- publishStart) / 1e9 * rate)
            while published < due {
                publisher.send(frame: publishFrame(now: SystemClock.monotonicNanoseconds))
                published += 1
            }
        }
        tick.start(afterMilliseconds: 1, repeatMilliseconds: 1)
        runLoop(loop, seconds: warmup)
        measuring = true
        windowStart = SystemClock.monotonicNanoseconds
        countAtStart = published
        let cpuStart = server.cpuSeconds()
        let start = Date()
        runLoop(loop, seconds: duration)
        tick.stop()
        windowEnd = SystemClock.monotonicNanoseconds
        let publishedInWindow = published - countAtStart
        // Let in-flight messages land so `delivered` matches what was published.
        runLoop(loop, seconds: 0.5)
        let elapsed = Date().timeIntervalSince(start)
        let cpu = server.cpuSeconds() - cpuStart
        measuring = false
        for c in subs { c.onText = nil; c.close() }
        runLoop(loop, seconds: 0.3)
        return Result(
            subscribers: subscribers, published: publishedInWindow, delivered: delivered, seconds: elapsed - 0.5,
            latency: latency, serverCPUSeconds: cpu, frameBytes: frameBytes
        )
    }

    /// Finds `"payload":{"t":NNN` and reads the number.
    static func sendTime(in bytes: UnsafeRawBufferPointer) -> UInt64? {
        let marker = Array(#""payload":{"t":"#.utf8)
        guard bytes.count > marker.count else { return nil }
        var i = 0
        outer: while i + marker.count < bytes.count {
            for j in 0..<marker.count where bytes[i + j] != marker[j] {
                i += 1
                continue outer
            }
            var value: UInt64 = 0
            var k = i + marker.count
            while k < bytes.count, bytes[k] >= 0x30, bytes[k] <= 0x39 {
                value = value * 10 + UInt64(bytes[k] - 0x30)
                k += 1
            }
            return value
        }
        return nil
    }
}
