import EventLoop
import Glibc
import SystemClock
import Testing

/// Timers on a loop whose cached time is stale. libuv counts a timer's delay from the time it
/// read when the loop iteration began, so a timer started late in a long turn — or after the
/// loop thread was descheduled on a loaded machine — fires that much early in real time.
/// `start(at:)` is for waits that must not be cut short (a `Retry-After`, a backoff).
@Suite struct LoopTimerTests {
    @Test func aDeadlineTimerStartedLateInALongTurnWaitsTheWholeDelay() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        var started: UInt64 = 0
        var deadlineFired: UInt64 = 0
        var relativeFired: UInt64 = 0
        let deadlineTimer = LoopTimer(loop: loop) { deadlineFired = SystemClock.monotonicNanoseconds }
        let relativeTimer = LoopTimer(loop: loop) { relativeFired = SystemClock.monotonicNanoseconds }
        let longTurn = LoopTimer(loop: loop) {
            // The turn's work takes 300 ms (a deliberate block, standing for a busy or
            // descheduled loop thread): the loop's cached time is 300 ms behind by now.
            usleep(300_000)
            started = SystemClock.monotonicNanoseconds
            deadlineTimer.start(at: started + 500_000_000)
            relativeTimer.start(afterMilliseconds: 500)
        }
        longTurn.start(afterMilliseconds: 0)
        #expect(runLoop(loop) { deadlineFired != 0 && relativeFired != 0 })
        let waited = Double(deadlineFired &- started) / 1e6
        let relative = Double(relativeFired &- started) / 1e6
        print("500 ms timers started 300 ms into a turn fired after: start(at:) \(waited) ms, start(afterMilliseconds:) \(relative) ms")
        #expect(deadlineFired >= started + 500_000_000, "fired after \(waited) ms")
    }
}
