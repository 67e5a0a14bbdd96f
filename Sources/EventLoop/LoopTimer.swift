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

    public func start(afterMilliseconds timeout: UInt64, repeatMilliseconds: UInt64 = 0) {
        uv_timer_start(handle, { h in
            let timer = Unmanaged<LoopTimer>.fromOpaque(h!.pointee.data).takeUnretainedValue()
            timer.loop.markTurnStart()
            timer.callback()
        }, timeout, repeatMilliseconds)
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
