import Glibc

/// The project's one clock. Monotonic readings (CLOCK_MONOTONIC, the clock libuv's
/// `uv_hrtime` reads) time timeouts, RTTs and latencies; wall readings (CLOCK_REALTIME)
/// only stamp what clients and webhooks see. Pure cores never read it: the I/O layer reads
/// it and passes the instant in, so tests control time.
public enum SystemClock {
    /// Monotonic nanoseconds since an arbitrary point (boot).
    @inline(__always)
    public static var monotonicNanoseconds: UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Unix time in milliseconds.
    public static var wallMilliseconds: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Unix time in seconds (token `exp`/`nbf` checks).
    public static var wallSeconds: Int64 { wallMilliseconds / 1000 }

    /// Seconds as nanoseconds, saturating: negative or NaN is 0, and a configured timeout of
    /// a billion years is "never" rather than a trap.
    public static func nanoseconds(fromSeconds seconds: Double) -> UInt64 {
        guard seconds.isFinite, seconds > 0 else { return seconds == .infinity ? UInt64(Int64.max) : 0 }
        let ns = seconds * 1e9
        return ns >= 9.2e18 ? UInt64(Int64.max) : UInt64(ns)
    }
}
