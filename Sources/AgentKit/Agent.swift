/// An agent: code that lives in a room as a participant of kind `agent`, hears what happens
/// there and answers by publishing on topics.
///
/// The same agent runs in-process, as a headless bot over a WebSocket, or in a worker
/// process: the runtime turns what it hears into `AgentEvent`s and carries out the
/// publications it returns. Agents do no I/O of their own towards the room; that is why one
/// implementation runs unchanged in all three places.
///
/// `handle` runs on a thread of the runtime's pool, never on the loop thread, and never
/// concurrently with itself: an instance sees one event at a time, in order. It may be slow
/// (CPU-heavy ranking, SQLite) up to the runtime's per-event deadline; past it, or when it
/// throws, the instance is discarded and a fresh one is started with backoff (its first
/// event is `.started` with the room as it is then).
public protocol Agent: AnyObject {
    func handle(_ event: AgentEvent) throws -> [AgentPublication]
}

/// What an agent is told when it is created: where it is and why it was dispatched.
public struct AgentSetup: Sendable, Equatable {
    /// The agent name it was dispatched under (`taste`, `recommender`).
    public var agentName: String
    public var room: String
    /// The agent's own identity in the room.
    public var identity: String
    /// The dispatch's metadata (room definition, token claim or CreateDispatch), often JSON.
    public var metadata: String

    public init(agentName: String, room: String, identity: String, metadata: String = "") {
        self.agentName = agentName
        self.room = room
        self.identity = identity
        self.metadata = metadata
    }
}

/// Agent names and how to make each. One table serves the server, bots and workers.
public struct AgentFactory: Sendable {
    public typealias Make = @Sendable (AgentSetup) throws -> any Agent
    private var makers: [String: Make] = [:]
    private var topicsByName: [String: [String]] = [:]

    public init() {}

    /// `topics`: the data topics the agent listens to (subscription patterns, docs/protocol.md);
    /// the room then never delivers it the others. nil hears every topic.
    public mutating func register(_ name: String, topics: [String]? = nil, _ make: @escaping Make) {
        makers[name] = make
        topicsByName[name] = topics
    }

    /// The topics agent `name` listens to, nil for all.
    public func topics(for name: String) -> [String]? { topicsByName[name] }

    public var names: [String] { makers.keys.sorted() }

    public func maker(for name: String) -> Make? { makers[name] }
}
