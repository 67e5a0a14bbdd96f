import AgentKit

/// Agent counters of one process, by agent name (exposed in /metrics by the server).
/// Loop-confined, like everything the hosts touch.
public final class AgentMetrics {
    public struct Counts: Sendable, Equatable {
        public var failures = 0
        public var timeouts = 0
        public var restarts = 0

        public init() {}
    }

    public var byAgent: [String: Counts] = [:]
    /// Agents currently running, by name.
    public var running: [String: Int] = [:]
    /// Publications the room refused (topic policy, size), by agent name.
    public var refusedPublications: [String: Int] = [:]

    public init() {}

    func count(_ agent: String, _ failure: AgentSupervisor.Failure) {
        var c = byAgent[agent, default: Counts()]
        c.failures += 1
        c.restarts += 1
        if failure == .timedOut { c.timeouts += 1 }
        byAgent[agent] = c
    }
}
