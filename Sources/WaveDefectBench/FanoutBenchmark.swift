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
        let window = MeasurementWindow(loop: loop, warmup: warmup, duration: duration, processes: [server.pid])
        var delivered = 0
        var frameBytes = 0
        var latency = LatencyHistogram()
        let subs = try BenchClients.connect(loop: loop, port: server.port, tls: server.tls, count: subscribers + 1, room: { _ in "bench-fanout" }, hidden: true)
        let publisher = subs[subscribers]
        for client in subs.dropLast() {
            client.onText = { bytes in
                guard window.isMeasuring else { return }
                let now = SystemClock.monotonicNanoseconds
                if let t = Self.sendTime(in: bytes), window.counts(sentAt: t) {
                    delivered += 1
                    frameBytes = bytes.count
                    latency.record(now &- t)
                }
            }
        }
        window.publish(rate: rate) { publisher.send(frame: publishFrame(now: SystemClock.monotonicNanoseconds)) }
        let m = window.run()
        for c in subs { c.onText = nil; c.close() }
        runLoop(loop, seconds: 0.3)
        return Result(
            subscribers: subscribers, published: m.published, delivered: delivered, seconds: m.seconds,
            latency: latency, serverCPUSeconds: m.cpuSeconds[0], frameBytes: frameBytes
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
