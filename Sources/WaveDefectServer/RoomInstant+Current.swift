import RoomCore
import SystemClock

extension RoomInstant {
    /// The instant the server hands to the rooms: both readings of the one clock.
    static var current: RoomInstant {
        RoomInstant(monotonic: SystemClock.monotonicNanoseconds, wallMilliseconds: SystemClock.wallMilliseconds)
    }
}
