/// Runs one agent as a pure state machine: it queues events, hands them to the runtime one
/// at a time with a deadline, and when the agent throws, misses the deadline or cannot be
/// created, discards that instance and starts a fresh one after a backoff that doubles with
/// each consecutive failure. It does no I/O and reads no clock: the runtime passes `now`
/// (monotonic nanoseconds) and carries out the returned actions.
public struct AgentSupervisor: Sendable {
    public struct Policy: Sendable, Equatable {
        /// Longest one event may take; past it the instance is abandoned.
        public var eventDeadline: Double
        /// Wait before the first restart; doubles per consecutive failure.
        public var initialBackoff: Double
        public var maxBackoff: Double
        /// Events waiting while the agent is busy or restarting; past it the oldest data
        /// message is dropped (membership is never lost: the roster keeps it).
        public var maxQueuedEvents: Int

        public init(eventDeadline: Double = 10, initialBackoff: Double = 0.5, maxBackoff: Double = 30, maxQueuedEvents: Int = 256) {
            self.eventDeadline = eventDeadline
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.maxQueuedEvents = maxQueuedEvents
        }
    }

    /// One event for the runtime to hand to the agent instance of `generation` (creating
    /// that instance first when it does not exist yet).
    public struct Job: Sendable, Equatable {
        public var id: UInt64
        public var generation: UInt64
        public var event: AgentEvent
    }

    public enum Action: Sendable, Equatable {
        case run(Job)
        case publish([AgentPublication])
        /// The instance of `generation` is abandoned (the runtime drops it; a hung one is
        /// left to finish on its thread and its result is ignored).
        case discard(generation: UInt64, failure: Failure)
    }

    public enum Failure: String, Sendable, Equatable {
        /// The agent threw (or could not be created).
        case threw
        /// The agent did not finish an event within the deadline.
        case timedOut = "timed_out"
    }

    public struct Counters: Sendable, Equatable {
        public var events = 0
        public var failures = 0
        public var timeouts = 0
        public var restarts = 0
        public var droppedEvents = 0
    }

    private enum State: Sendable, Equatable {
        case idle
        case running(job: UInt64, deadline: UInt64)
        case backingOff(until: UInt64)
        case stopped
    }

    public let policy: Policy
    private var state = State.idle
    private var queue: [AgentEvent] = []
    private var nextJobID: UInt64 = 1
    public private(set) var generation: UInt64 = 1
    private var consecutiveFailures = 0
    /// The room as last heard, to start a fresh instance with.
    private var roster: AgentRoom?
    public private(set) var counters = Counters()
    public private(set) var lastError: String?

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// When `tick` next has something to do (a deadline or the end of a backoff).
    public var nextWakeup: UInt64? {
        switch state {
        case .running(_, let deadline): return deadline
        case .backingOff(let until): return until
        case .idle, .stopped: return nil
        }
    }

    public var isStopped: Bool { state == .stopped }

    public mutating func receive(_ event: AgentEvent, now: UInt64) -> [Action] {
        guard state != .stopped else { return [] }
        fold(event)
        queue.append(event)
        if queue.count > policy.maxQueuedEvents, let i = queue.firstIndex(where: { if case .data = $0 { return true } else { return false } }) {
            queue.remove(at: i)
            counters.droppedEvents += 1
        }
        return startNext(now: now)
    }

    /// The runtime's report for job `id`: what the agent returned, or the error it threw.
    public mutating func finished(job id: UInt64, result: Result<[AgentPublication], AgentError>, now: UInt64) -> [Action] {
        guard case .running(let running, _) = state, running == id else { return [] }  // abandoned: ignore
        switch result {
        case .success(let publications):
            consecutiveFailures = 0
            state = .idle
            var actions: [Action] = publications.isEmpty ? [] : [.publish(publications)]
            actions += startNext(now: now)
            return actions
        case .failure(let error):
            lastError = error.message
            return fail(.threw, now: now)
        }
    }

    /// Checks the deadline and the end of a backoff.
    public mutating func tick(now: UInt64) -> [Action] {
        switch state {
        case .running(_, let deadline) where now >= deadline:
            lastError = "no answer within \(policy.eventDeadline) s"
            return fail(.timedOut, now: now)
        case .backingOff(let until) where now >= until:
            state = .idle
            return startNext(now: now)
        default:
            return []
        }
    }

    /// The agent leaves: nothing more runs.
    public mutating func stop() {
        state = .stopped
        queue.removeAll()
    }

    private mutating func fail(_ failure: Failure, now: UInt64) -> [Action] {
        counters.failures += 1
        if failure == .timedOut { counters.timeouts += 1 }
        consecutiveFailures += 1
        let abandoned = generation
        generation += 1
        counters.restarts += 1
        // The fresh instance starts from the room as it is now; membership events already
        // folded into the roster are dropped, data messages still waiting are kept.
        queue.removeAll { if case .data = $0 { return false } else { return true } }
        if let roster { queue.insert(.started(roster), at: 0) }
        let delay = min(policy.initialBackoff * Double(1 << min(consecutiveFailures - 1, 30)), policy.maxBackoff)
        state = .backingOff(until: Self.add(now, seconds: delay))
        return [.discard(generation: abandoned, failure: failure)]
    }

    private mutating func startNext(now: UInt64) -> [Action] {
        guard state == .idle, !queue.isEmpty else { return [] }
        let event = queue.removeFirst()
        let id = nextJobID
        nextJobID += 1
        counters.events += 1
        state = .running(job: id, deadline: Self.add(now, seconds: policy.eventDeadline))
        return [.run(Job(id: id, generation: generation, event: event))]
    }

    /// Keeps the roster current so a restart can start from the room as it is.
    private mutating func fold(_ event: AgentEvent) {
        switch event {
        case .started(let room):
            roster = room
        case .participantJoined(let p), .participantUpdated(let p):
            guard var r = roster else { return }
            if let i = r.participants.firstIndex(where: { $0.identity == p.identity }) { r.participants[i] = p } else { r.participants.append(p) }
            roster = r
        case .participantLeft(let identity):
            roster?.participants.removeAll { $0.identity == identity }
        case .data, .profileChanged:
            break
        }
    }

    static func add(_ now: UInt64, seconds: Double) -> UInt64 {
        let ns = seconds.isFinite && seconds > 0 ? min(seconds * 1e9, 9e18) : 0
        let (sum, overflow) = now.addingReportingOverflow(UInt64(ns))
        return overflow ? UInt64.max : sum
    }
}

/// Why an agent's event failed, as reported to the supervisor (and logged).
public struct AgentError: Error, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }
}
