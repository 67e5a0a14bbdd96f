/// Which topics a participant hears. Everyone hears every topic until their first
/// `subscribe`; from then on only what they subscribed to. Later `subscribe`/`unsubscribe`
/// calls refine that, the most recent rule matching a topic deciding.
///
/// Patterns: an exact topic name, `*` for every topic, or a prefix ending in `*`
/// (`agent.*` matches `agent.taste` and `agent.recs`). `subscribe ["*"]` returns to hearing
/// everything and `unsubscribe ["*"]` to hearing nothing, forgetting earlier rules.
public struct TopicSubscription: Sendable, Equatable {
    /// What a topic no rule matches gets.
    private var hearsByDefault = true
    private var subscribedOnce = false
    /// Rules in the order given; a pattern appears at most once (its latest use).
    private var rules: [(pattern: String, include: Bool)] = []

    /// Most distinct patterns a participant may hold.
    public static let maxRules = 1024

    public static let everything = TopicSubscription()

    public init() {}

    public static func == (a: TopicSubscription, b: TopicSubscription) -> Bool {
        a.hearsByDefault == b.hearsByDefault && a.subscribedOnce == b.subscribedOnce
            && a.rules.elementsEqual(b.rules) { $0.pattern == $1.pattern && $0.include == $1.include }
    }

    public var ruleCount: Int { rules.count }

    public func includes(_ topic: String) -> Bool {
        for rule in rules.reversed() where Self.matches(rule.pattern, topic) {
            return rule.include
        }
        return hearsByDefault
    }

    /// Returns false (and changes nothing) when the rule limit would be exceeded.
    @discardableResult
    public mutating func subscribe(_ patterns: [String]) -> Bool {
        var next = self
        if !next.subscribedOnce {
            next.subscribedOnce = true
            next.hearsByDefault = false
            next.rules = []
        }
        for p in patterns { next.add(p, include: true) }
        guard next.rules.count <= Self.maxRules else { return false }
        self = next
        return true
    }

    @discardableResult
    public mutating func unsubscribe(_ patterns: [String]) -> Bool {
        var next = self
        for p in patterns { next.add(p, include: false) }
        guard next.rules.count <= Self.maxRules else { return false }
        self = next
        return true
    }

    private mutating func add(_ pattern: String, include: Bool) {
        if pattern == "*" {
            hearsByDefault = include
            rules = []
            return
        }
        rules.removeAll { $0.pattern == pattern }
        rules.append((pattern, include))
    }

    static func matches(_ pattern: String, _ topic: String) -> Bool {
        if pattern == topic || pattern == "*" { return true }
        return pattern.hasSuffix("*") && topic.hasPrefix(pattern.dropLast())
    }
}
