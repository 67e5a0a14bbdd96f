import Foundation
import RoomCore

/// Reads room definitions: one YAML file per room in the rooms directory (docs/rooms.md).
/// Any mistake stops start-up with the file, line and field named.
public enum RoomDefinitionLoader {
    static let fields: Set<String> = [
        "name", "title", "metadata", "empty_timeout", "departure_timeout", "max_participants", "replay_buffer",
        "presence_full_list_max", "participants_page_size", "host", "host_profile", "agents", "topics", "default_topic",
    ]
    static let topicFields: Set<String> = ["reliable", "replay", "history", "publishers"]

    /// Loads every `*.yaml` / `*.yml` file of `directory`, keyed by room name. A missing
    /// directory means no definitions.
    public static func loadDirectory(_ directory: String, defaults: RoomConfiguration) throws(ConfigurationError) -> [String: RoomConfiguration] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            return [:]
        }
        var rooms: [String: RoomConfiguration] = [:]
        var origin: [String: String] = [:]
        for name in files.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = directory + "/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigurationError("\(path): cannot be read as UTF-8 text")
            }
            let (roomName, configuration) = try parse(text, file: path, defaults: defaults)
            if let other = origin[roomName] {
                throw ConfigurationError("\(path): room '\(roomName)' is already defined in \(other)")
            }
            origin[roomName] = path
            rooms[roomName] = configuration
        }
        return rooms
    }

    public static func parse(_ text: String, file: String, defaults: RoomConfiguration) throws(ConfigurationError) -> (String, RoomConfiguration) {
        guard let root = try ConfigNode.load(yaml: text, file: file) else { throw ConfigurationError("\(file): empty room definition") }
        let m = try root.members(allowed: fields)
        guard let nameNode = m["name"] else { throw root.error("missing required field 'name'") }
        let name = try nameNode.string()
        guard RoomName.isValid(name) else { throw nameNode.error(RoomName.rule) }
        var c = defaults
        c.title = try m["title"]?.string() ?? name
        c.metadata = try m["metadata"]?.string() ?? ""
        if let n = m["empty_timeout"] { c.emptyTimeout = try n.seconds() }
        if let n = m["departure_timeout"] { c.departureTimeout = try n.seconds() }
        if let n = m["max_participants"] { c.maxParticipants = try n.int(min: 0) }
        if let n = m["replay_buffer"] { c.replayBufferSize = try n.int(min: 0) }
        if let n = m["presence_full_list_max"] { c.presenceFullListMax = try n.int(min: 0) }
        if let n = m["participants_page_size"] {
            c.participantsPageSize = try n.int(min: 1)
            guard c.participantsPageSize <= 10_000 else { throw n.error("must be at most 10000") }
        }
        c.hostIdentity = try m["host"]?.string()
        c.agents = try m["agents"]?.strings() ?? []
        c.hostProfile = try m["host_profile"]?.strings() ?? []
        if let n = m["default_topic"] { c.defaultTopic = try topic(n, base: c.defaultTopic) }
        if let n = m["topics"] {
            for (topicName, node) in try n.entries() {
                c.topics[topicName] = try topic(node, base: c.defaultTopic)
            }
        }
        return (name, c)
    }

    static func topic(_ node: ConfigNode, base: TopicPolicy) throws(ConfigurationError) -> TopicPolicy {
        let m = try node.members(allowed: topicFields)
        var policy = base
        if let n = m["reliable"] { policy.reliable = try n.bool() }
        if let n = m["replay"] { policy.replay = try n.int(min: 0) }
        if let n = m["history"] {
            policy.history = try n.int(min: 0)
            guard policy.reliable || policy.history == 0 else {
                throw n.error("history needs a reliable topic (only reliable messages are kept); this one has reliable: false")
            }
        }
        if let n = m["publishers"] {
            let list = try n.strings()
            if list.contains("*") {
                policy.publishers = .anyone
            } else {
                policy.publishers = .only(
                    host: list.contains("@host"), agents: list.contains("@agents"),
                    identities: Set(list.filter { !$0.hasPrefix("@") })
                )
            }
        }
        return policy
    }
}
