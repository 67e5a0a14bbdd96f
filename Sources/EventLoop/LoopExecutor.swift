import CLibUV
import Synchronization

/// Runs closures on a loop from any thread, through a `uv_async_t`. The loop itself is not
/// `Sendable` (only its thread may touch it); this is the handle other threads keep.
/// Once the loop has closed, `execute` drops what it is given.
public final class LoopExecutor: @unchecked Sendable {
    /// Owned by the loop, which initializes it and frees it when it closes.
    let wakeHandle: UnsafeMutablePointer<uv_async_t> = .allocate(capacity: 1)
    private let state = Mutex<(jobs: [@Sendable () -> Void], open: Bool)>(([], true))

    init() {}

    /// Queues `body` for the loop thread. Safe from any thread.
    public func execute(_ body: @escaping @Sendable () -> Void) {
        // The send happens under the lock so that `shutDown` cannot free the handle between
        // the check and the send.
        state.withLock { state in
            guard state.open else { return }
            state.jobs.append(body)
            uv_async_send(wakeHandle)
        }
    }

    func runPending() {
        let jobs = state.withLock { state -> [@Sendable () -> Void] in
            defer { state.jobs.removeAll() }
            return state.jobs
        }
        for job in jobs { job() }
    }

    func shutDown() {
        state.withLock { $0.open = false }
    }
}
