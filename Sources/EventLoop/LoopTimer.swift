import CLibUV

/// A `uv_timer_t` owned by a Swift object. The handle's memory is freed in its close
/// callback, so the object may go away at any time without a dangling handle.
public final class LoopTimer {
    private let handle: UnsafeMutablePointer<uv_timer_t>
    private let callback: () -> Void
    private unowned(unsafe) let loop: EventLoop

    public init(loop: EventLoop, _ callback: @escaping () -> Void) {
        self.callback = callback
        self.loop = loop
        handle = .allocate(capacity: 1)
        uv_timer_init(loop.raw, handle)
        handle.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        // A handle already closed by `EventLoop.close()` is left alone (and its few bytes
        // with it): closing twice is an error in libuv.
        if uv_is_closing(wd_handle(handle)) == 0 {
            uv_close(wd_handle(handle)) { h in h?.deallocate() }
        }
    }

    /// Fires `timeout` ms after the loop's notion of now, which libuv refreshes once per loop
    /// iteration: started late in a long turn (or after the thread was descheduled), it
    /// fires that much early in real time. A wait that must not be cut short uses `start(at:)`.
    public func start(afterMilliseconds timeout: UInt64, repeatMilliseconds: UInt64 = 0) {
        uv_timer_start(handle, { h in
            let timer = Unmanaged<LoopTimer>.fromOpaque(h!.pointee.data).takeUnretainedValue()
            timer.loop.markTurnStart()
            timer.callback()
        }, timeout, repeatMilliseconds)
    }

    /// Fires once no earlier than `deadline` (`SystemClock.monotonicNanoseconds`, the clock
    /// libuv reads): the delay is counted from the loop's cached now, which is never ahead of
    /// the real one, so a stale loop time makes the timer wait longer, never shorter. For
    /// waits someone else counts on — a `Retry-After`, a backoff a test or a peer checks.
    public func start(at deadline: UInt64) {
        let loopNow = uv_now(loop.raw) &* 1_000_000
        start(afterMilliseconds: deadline > loopNow ? (deadline - loopNow + 999_999) / 1_000_000 : 0)
    }

    public func stop() {
        uv_timer_stop(handle)
    }

    /// A timer that must not keep the loop alive on its own.
    public func unref() {
        uv_unref(wd_handle(handle))
    }

    public var isActive: Bool { uv_is_active(wd_handle(handle)) != 0 }
}
