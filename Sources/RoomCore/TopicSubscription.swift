/// Which topics a participant hears. Everyone hears every topic until their first
/// `subscribe`; from then on only what they subscribed to.
///
/// Patterns: an exact topic name, `*` for every topic, or a prefix ending in `*`
/// (`agent.*` matches `agent.taste` and `agent.recs`).
public enum TopicSubscription: Sendable, Equatable {
    case all(except: Set<String>)
    case only(Set<String>)

    public static let everything = TopicSubscription.all(except: [])

    public func includes(_ topic: String) -> Bool {
        switch self {
        case .all(let except): !Self.matches(except, topic)
        case .only(let set): Self.matches(set, topic)
        }
    }

    public mutating func subscribe(_ patterns: [String]) {
        if patterns.contains("*") {
            self = .everything
            return
        }
        switch self {
        case .all(let except):
            if except.isEmpty {
                self = .only(Set(patterns))
            } else {
                self = .all(except: except.subtracting(patterns))
            }
        case .only(let set):
            self = .only(set.union(patterns))
        }
    }

    public mutating func unsubscribe(_ patterns: [String]) {
        if patterns.contains("*") {
            self = .only([])
            return
        }
        switch self {
        case .all(let except): self = .all(except: except.union(patterns))
        case .only(let set): self = .only(set.subtracting(patterns))
        }
    }

    static func matches(_ patterns: Set<String>, _ topic: String) -> Bool {
        if patterns.contains(topic) || patterns.contains("*") { return true }
        for p in patterns where p.hasSuffix("*") && topic.hasPrefix(p.dropLast()) {
            return true
        }
        return false
    }
}
