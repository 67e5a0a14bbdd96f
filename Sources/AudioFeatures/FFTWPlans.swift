import CFFTW
import Synchronization

/// One real-to-complex FFTW plan per transform size, created once and shared by every thread.
///
/// FFTW's executor is thread-safe (`fftwf_execute_dft_r2c` on the thread's own arrays), but its
/// planner is not: two threads creating plans at once corrupt its global state. Creation is
/// therefore serialized behind a lock; execution never takes it. Plans live for the process.
public enum FFTWPlans {
    /// A plan pointer is immutable after creation and FFTW documents concurrent execution as
    /// safe, so sharing it across threads is sound.
    struct Plan: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private static let plans = Mutex<[Int: Plan]>([:])
    /// Plans created per size, kept apart from the cache so a test can see a re-creation.
    private static let creations = Mutex<[Int: Int]>([:])

    /// The forward real FFT of `size` points. `FFTW_ESTIMATE` keeps plans deterministic (the
    /// same algorithm every run, so the same embedding bits every run) and cheap to create.
    static func realForward(size: Int) -> Plan {
        plans.withLock { cache in
            if let plan = cache[size] { return plan }
            let input = fftwf_alloc_real(size)!
            let output = fftwf_alloc_complex(size / 2 + 1)!
            defer {
                fftwf_free(input)
                fftwf_free(output)
            }
            let plan = Plan(pointer: fftwf_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_ESTIMATE))!)
            cache[size] = plan
            creations.withLock { $0[size, default: 0] += 1 }
            return plan
        }
    }

    /// How many plans of `size` points were ever created; tests use it to check that plans are
    /// reused (per size, so other sizes planned by tests running in parallel do not count).
    public static func creations(size: Int) -> Int { creations.withLock { $0[size, default: 0] } }
}
