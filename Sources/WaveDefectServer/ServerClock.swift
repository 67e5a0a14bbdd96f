import CLibUV
import Glibc
import RoomCore

/// The server's time sources: libuv's monotonic clock for timeouts and the system clock
/// for timestamps sent to clients.
enum ServerClock {
    static var wallMilliseconds: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    static var wallSeconds: Int64 { wallMilliseconds / 1000 }

    static var monotonic: UInt64 { uv_hrtime() }

    static var now: RoomInstant {
        RoomInstant(monotonic: monotonic, wallMilliseconds: wallMilliseconds)
    }
}
