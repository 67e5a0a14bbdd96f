import CLibUV

extension EventLoop {
    /// Runs `work` on libuv's thread pool (CPU-heavy jobs: decoding, embedding, search) and
    /// then `completion` with its result on the loop thread.
    public func submit<Result: Sendable>(work: @escaping @Sendable () -> Result, then completion: @escaping (Result) -> Void) {
        let job = WorkJob(work: work, completion: completion)
        job.request.pointee.data = Unmanaged.passRetained(job).toOpaque()
        let rc = uv_queue_work(raw, job.request, { req in
            Unmanaged<AnyWorkJob>.fromOpaque(req!.pointee.data).takeUnretainedValue().runWork()
        }, { req, _ in
            EventLoop.from(req!.pointee.loop).markTurnStart()
            Unmanaged<AnyWorkJob>.fromOpaque(req!.pointee.data).takeRetainedValue().complete()
        })
        if rc != 0 {
            Unmanaged<AnyWorkJob>.fromOpaque(job.request.pointee.data).release()
            completion(work())
        }
    }
}

/// Type-erased base so the C callbacks can reach the job without knowing its result type.
class AnyWorkJob: @unchecked Sendable {
    let request: UnsafeMutablePointer<uv_work_t> = .allocate(capacity: 1)
    deinit { request.deallocate() }
    func runWork() {}
    func complete() {}
}

/// `work` runs on a pool thread and writes `result`; `complete` reads it on the loop thread
/// after libuv has synchronized the two, which is why the unchecked Sendable is sound.
final class WorkJob<Result: Sendable>: AnyWorkJob, @unchecked Sendable {
    private let work: @Sendable () -> Result
    private let completion: (Result) -> Void
    private var result: Result?

    init(work: @escaping @Sendable () -> Result, completion: @escaping (Result) -> Void) {
        self.work = work
        self.completion = completion
    }

    override func runWork() {
        result = work()
    }

    override func complete() {
        completion(result!)
    }
}
