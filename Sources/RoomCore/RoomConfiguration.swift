/// How a room behaves: lifetimes, limits, topics, agents and host. Built from a definition
/// file in `rooms/` or from the server's defaults for rooms created on the fly.
public struct RoomConfiguration: Sendable, Equatable {
    public var title: String
    public var metadata: String
    /// Seconds a room that nobody ever joined stays open.
    public var emptyTimeout: Double
    /// Seconds a room stays open after its last participant left.
    public var departureTimeout: Double
    /// 0 means unlimited. Agents do not count.
    public var maxParticipants: Int
    /// Reliable messages kept per topic for resuming clients.
    public var replayBufferSize: Int
    /// Policy of topics not listed in `topics`.
    public var defaultTopic: TopicPolicy
    public var topics: [String: TopicPolicy]
    /// Agent names dispatched to the room when it starts.
    public var agents: [String]
    /// Identity of the host, whose taste guests compare against.
    public var hostIdentity: String?
    /// The host's taste profile as the definition lists it (track ids or "title - artist"),
    /// compared against while the host is offline.
    public var hostProfile: [String] = []
    /// Visible participants up to which everyone hears every arrival and departure and a
    /// newcomer's `joined` lists everyone. Past it the room is *crowded* until it empties:
    /// `joined` carries the first page of the list, the rest is fetched page by page, and
    /// members hear a `participant_count` at most once a second instead of each change
    /// (`Room+Crowd.swift`). What N full lists and N² announcements would cost is then N pages.
    public var presenceFullListMax = 1000
    /// Participants per page of the list: in a crowded room's `joined`, and the most a
    /// `participants` request gets.
    public var participantsPageSize = 100

    public init(
        title: String = "", metadata: String = "", emptyTimeout: Double = 300, departureTimeout: Double = 20,
        maxParticipants: Int = 0, replayBufferSize: Int = 1024, defaultTopic: TopicPolicy = TopicPolicy(),
        topics: [String: TopicPolicy] = [:], agents: [String] = [], hostIdentity: String? = nil
    ) {
        self.title = title
        self.metadata = metadata
        self.emptyTimeout = emptyTimeout
        self.departureTimeout = departureTimeout
        self.maxParticipants = maxParticipants
        self.replayBufferSize = replayBufferSize
        self.defaultTopic = defaultTopic
        self.topics = topics
        self.agents = agents
        self.hostIdentity = hostIdentity
    }

    public func policy(for topic: String) -> TopicPolicy {
        topics[topic] ?? defaultTopic
    }
}

/// Per-topic delivery rules.
public struct TopicPolicy: Sendable, Equatable {
    /// Whether messages are reliable when the publisher does not say.
    public var reliable: Bool
    /// Reliable messages of this topic kept for resume; nil uses the room's size.
    public var replay: Int?
    /// How many of the topic's latest JSON messages a participant who joins receives right
    /// after `joined`, marked `"history": true` (a chat's recent lines); 0 sends none.
    public var history: Int
    public var publishers: Publishers

    public init(reliable: Bool = true, replay: Int? = nil, history: Int = 0, publishers: Publishers = .anyone) {
        self.reliable = reliable
        self.replay = replay
        self.history = history
        self.publishers = publishers
    }

    /// Messages kept for the topic: enough for resume and for its history.
    public func keptMessages(roomDefault: Int) -> Int { max(replay ?? roomDefault, history) }

    /// Who may publish to a topic.
    public enum Publishers: Sendable, Equatable {
        case anyone
        /// The room's host, agents, and the listed identities.
        case only(host: Bool, agents: Bool, identities: Set<String>)
    }

    public func allows(identity: String, isAgent: Bool, hostIdentity: String?) -> Bool {
        switch publishers {
        case .anyone:
            return true
        case .only(let host, let agents, let identities):
            if host, let hostIdentity, hostIdentity == identity { return true }
            if agents && isAgent { return true }
            return identities.contains(identity)
        }
    }
}
