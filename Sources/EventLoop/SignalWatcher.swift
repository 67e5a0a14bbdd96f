import CLibUV

/// Watches a POSIX signal on the loop (SIGINT/SIGTERM trigger the graceful shutdown).
public final class SignalWatcher {
    private let handle: UnsafeMutablePointer<uv_signal_t>
    private let callback: (Int32) -> Void

    public init(loop: EventLoop, signal: Int32, _ callback: @escaping (Int32) -> Void) {
        self.callback = callback
        handle = .allocate(capacity: 1)
        // A parent may have started us with the signal blocked (some process launchers do);
        // a blocked signal would never reach the handler.
        wd_unblock_signal(signal)
        uv_signal_init(loop.raw, handle)
        handle.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        uv_signal_start(handle, { h, signum in
            Unmanaged<SignalWatcher>.fromOpaque(h!.pointee.data).takeUnretainedValue().callback(signum)
        }, signal)
        // A signal watcher alone must not keep the loop running.
        uv_unref(wd_handle(handle))
    }

    deinit {
        if uv_is_closing(wd_handle(handle)) == 0 {
            uv_close(wd_handle(handle)) { $0?.deallocate() }
        }
    }

    /// Writes to a socket whose peer vanished must fail with EPIPE, not kill the process.
    public static func ignoreSIGPIPE() {
        wd_ignore_sigpipe()
    }
}
