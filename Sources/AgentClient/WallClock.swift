import Glibc

/// Unix time, for the `nbf`/`exp` of tokens a worker mints.
enum WallClock {
    static var seconds: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }
}
