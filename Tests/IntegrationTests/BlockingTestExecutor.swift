import Foundation
import Testing

/// Threads for tests that block. Integration tests wait on sockets and child processes with
/// blocking calls, and Swift Testing runs test bodies on the cooperative pool, which has one
/// thread per core: on a 2-core machine two waiting tests stall every other test in the run.
/// Suites with `.sharedServer(…)` or `.blocking` run their tests here instead (a task executor
/// preference, inherited by the suite's test tasks), so waits overlap while the cooperative
/// pool stays free for the CPU-bound unit tests.
final class BlockingTestExecutor: TaskExecutor, @unchecked Sendable {
    /// Enough for the integration suites' parallel tests; the threads sleep when idle.
    static let shared = BlockingTestExecutor(threads: 12)

    private static let marker = "BlockingTestExecutor"
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0

    init(threads: Int) {
        for i in 0..<threads {
            let thread = Thread { [self] in
                Thread.current.threadDictionary[Self.marker] = i
                work()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Whether the calling thread is one of the executor's.
    static var isCurrent: Bool { Thread.current.threadDictionary[marker] != nil }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}


/// Runs a suite's tests on `BlockingTestExecutor` (for suites that start their own servers;
/// `.sharedServer` does this too).
struct BlockingTests: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(BlockingTestExecutor.shared) { try await function() }
    }
}

extension Trait where Self == BlockingTests {
    static var blocking: BlockingTests { BlockingTests() }
}

@Suite(.blocking) struct BlockingTestExecutorTests {
    @Test func testsOfABlockingSuiteRunOnItsThreads() {
        #expect(BlockingTestExecutor.isCurrent)
    }

    @Test(arguments: 0..<3) func everyArgumentToo(_ n: Int) {
        #expect(BlockingTestExecutor.isCurrent, "\(n)")
    }
}
