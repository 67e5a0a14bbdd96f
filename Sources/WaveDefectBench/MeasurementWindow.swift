import EventLoop
import Foundation
import Glibc
import SystemClock

/// The measured part of a load benchmark, written once for all of them (`bench fanout`,
/// `bench cluster`, `bench ping`): a warm-up, then the CPU counters of the sampled processes
/// start, the load runs for `duration` and stops, in-flight messages get `drain` seconds to
/// land, and the differences are taken. A message counts when it was sent inside the window
/// (`counts(sentAt:)`), so what was delivered compares exactly with what was sent.
final class MeasurementWindow {
    struct Measurement {
        /// Wall seconds of the window, the drain left out.
        var seconds: Double
        /// CPU seconds (user + system, from /proc) of each sampled process, in the order given.
        var cpuSeconds: [Double]
        /// The load generator's own CPU seconds: near `seconds` means it was the bottleneck.
        var ownCPUSeconds: Double
        /// Messages the publisher (`publish(rate:_:)`) sent inside the window.
        var published: Int
    }

    let warmup: Double
    let duration: Double
    /// Seconds after the load stops for messages still in flight to land.
    let drain: Double
    /// The processes whose CPU is sampled (servers, Redis).
    let processes: [Int32]
    private let loop: EventLoop
    /// From the end of the warm-up to the end of the drain: deliveries are counted.
    private(set) var isMeasuring = false
    private var start: UInt64 = .max
    private var end: UInt64 = .max
    private var publisher: LoopTimer?
    private var published = 0

    init(loop: EventLoop, warmup: Double, duration: Double, drain: Double = 0.5, processes: [Int32]) {
        self.loop = loop
        self.warmup = warmup
        self.duration = duration
        self.drain = drain
        self.processes = processes
    }

    /// Whether a message sent at `t` (monotonic nanoseconds) was sent inside the window.
    @inline(__always)
    func counts(sentAt t: UInt64) -> Bool { t >= start && t < end }

    /// The load: `send` is called `rate` times a second from now until the window ends.
    /// The rate is held against the clock, not counted per timer tick: when reading the
    /// subscribers makes a tick late, the next one catches up. (Counting per tick let the
    /// rate sag under load — a fraction of the messages, each costing the server more
    /// because nothing batched — which is why `bench fanout` once reported 25% more CPU
    /// per message than an outside client against the same server.)
    func publish(rate: Double, _ send: @escaping () -> Void) {
        let publishStart = SystemClock.monotonicNanoseconds
        let tick = LoopTimer(loop: loop) { [unowned self] in
            let due = Int(Double(SystemClock.monotonicNanoseconds &- publishStart) / 1e9 * rate)
            while published < due {
                send()
                published += 1
            }
        }
        tick.start(afterMilliseconds: 1, repeatMilliseconds: 1)
        publisher = tick
    }

    /// Warm-up, window and drain on the loop; returns what the window measured.
    func run() -> Measurement {
        runLoop(loop, seconds: warmup)
        isMeasuring = true
        start = SystemClock.monotonicNanoseconds
        let publishedAtStart = published
        let cpuStart = processes.map { ProcessStats.cpuSeconds(pid: $0) }
        let ownStart = Self.ownCPUSeconds()
        let wallStart = Date()
        runLoop(loop, seconds: duration)
        publisher?.stop()
        end = SystemClock.monotonicNanoseconds
        let publishedInWindow = published - publishedAtStart
        if drain > 0 { runLoop(loop, seconds: drain) }
        let elapsed = Date().timeIntervalSince(wallStart)
        let cpu = zip(processes, cpuStart).map { ProcessStats.cpuSeconds(pid: $0) - $1 }
        let own = Self.ownCPUSeconds() - ownStart
        isMeasuring = false
        return Measurement(seconds: elapsed - drain, cpuSeconds: cpu, ownCPUSeconds: own, published: publishedInWindow)
    }

    /// This process's user + system CPU seconds (getrusage: microseconds, not /proc's ticks).
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
