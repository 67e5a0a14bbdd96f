/// The iTunes lookup queue as a pure state machine (docs/itunes.md#the-queue): which lookup
/// runs next, when the next call to Apple may go out, and which lookups are refused.
///
/// - Calls are paced: each one reserves the next free slot, slots `60 / callsPerMinute`
///   seconds apart (Apple documents "approximately 20 calls per minute" for the Search API),
///   so no burst ever exceeds the rate.
/// - A key is never looked up twice at once: a key already waiting or running is refused.
/// - The queue is bounded (`maxQueued` waiting); beyond it new keys are refused, not queued.
/// - At most `maxConcurrent` lookups run at once.
/// - A key whose lookup found nothing is refused for `unmatchedMemorySeconds` (a top-tracks
///   read every few minutes must not ask Apple the same question again), remembering at most
///   `maxUnmatchedRemembered` keys.
///
/// Times are monotonic nanoseconds supplied by the caller.
public struct LookupQueue<Key: Hashable & Sendable>: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var callsPerMinute: Double = 20
        public var maxQueued = 256
        public var maxConcurrent = 2
        public var unmatchedMemorySeconds: Double = 3600
        public var maxUnmatchedRemembered = 4096

        public init() {}

        /// Nanoseconds between two calls.
        public var callInterval: UInt64 {
            guard callsPerMinute.isFinite, callsPerMinute > 0 else { return 60_000_000_000 }
            return UInt64((60 / callsPerMinute * 1e9).rounded())
        }
    }

    public enum Admission: Sendable, Equatable {
        /// Waiting, `ahead` lookups before it.
        case queued(ahead: Int)
        case alreadyQueued
        case running
        /// Looked up recently without a match.
        case recentlyUnmatched
        /// `maxQueued` lookups are waiting already.
        case full
    }

    public let configuration: Configuration
    private var waiting: [Key] = []
    private var waitingHead = 0
    private var waitingSet: Set<Key> = []
    public private(set) var running: Set<Key> = []
    private var unmatched: [Key: UInt64] = [:]
    private var nextSlot: UInt64 = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var waitingCount: Int { waiting.count - waitingHead }

    public mutating func enqueue(_ key: Key, now: UInt64) -> Admission {
        if running.contains(key) { return .running }
        if waitingSet.contains(key) { return .alreadyQueued }
        if let until = unmatched[key] {
            if now < until { return .recentlyUnmatched }
            unmatched[key] = nil
        }
        guard waitingCount < configuration.maxQueued else { return .full }
        waiting.append(key)
        waitingSet.insert(key)
        return .queued(ahead: waitingCount - 1)
    }

    /// The next lookup to start, oldest first, or nil when none waits or `maxConcurrent`
    /// run already. The key counts as running until `finish`.
    public mutating func next() -> Key? {
        guard running.count < configuration.maxConcurrent, waitingHead < waiting.count else { return nil }
        let key = waiting[waitingHead]
        waitingHead += 1
        if waitingHead > 64 && waitingHead * 2 > waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
        waitingSet.remove(key)
        running.insert(key)
        return key
    }

    /// Reserves a call slot: the returned time (≥ `now`) is when the call may go out.
    public mutating func reserveCall(now: UInt64) -> UInt64 {
        let at = max(now, nextSlot)
        nextSlot = at &+ configuration.callInterval
        return at
    }

    /// The lookup of `key` is over; `matched` false remembers it as unmatched.
    public mutating func finish(_ key: Key, matched: Bool, now: UInt64) {
        guard running.remove(key) != nil else { return }
        guard !matched, configuration.unmatchedMemorySeconds > 0, configuration.maxUnmatchedRemembered > 0 else { return }
        if unmatched.count >= configuration.maxUnmatchedRemembered {
            unmatched = unmatched.filter { $0.value > now }
            if unmatched.count >= configuration.maxUnmatchedRemembered, let oldest = unmatched.min(by: { $0.value < $1.value }) {
                unmatched[oldest.key] = nil
            }
        }
        unmatched[key] = now &+ UInt64(configuration.unmatchedMemorySeconds * 1e9)
    }

    /// Drops every waiting lookup (shutdown); returns them so their callers can be told.
    public mutating func drain() -> [Key] {
        let dropped = Array(waiting[waitingHead...])
        waiting.removeAll()
        waitingHead = 0
        waitingSet.removeAll()
        return dropped
    }
}
