import AgentKit
import TasteCore
import VectorSearch

/// `taste`: compares every guest's taste profile with the host's and the room as a whole
/// (docs/agents.md#taste). Participants set their profile on topic `profile`; it is resolved
/// against the catalog, stored by identity (so it comes back with the identity), answered on
/// `profile.status` to the sender, and every comparison it changes is published on `taste`.
/// A profile the server rewrote (`profile.changed`, Spotify top tracks) is reloaded and
/// compared the same way, without a rejoin.
final class TasteAgent: Agent {
    private let context: MusicContext
    private let comparer = TasteComparer()
    private var room: AgentRoom?
    /// Profiles of the visible people in the room (agents and hidden observers never), plus
    /// the host's even while the host is away.
    private var profiles: [String: TasteProfile] = [:]

    init(context: MusicContext) {
        self.context = context
    }

    func handle(_ event: AgentEvent) throws -> [AgentPublication] {
        switch event {
        case .started(var room):
            // A room without a definition may still have a host recorded (catalog or Redis).
            if room.hostIdentity == nil { room.hostIdentity = try context.profileStorage.roomHost(room: room.name) }
            self.room = room
            profiles = [:]
            if let host = room.hostIdentity { profiles[host] = try context.profiles.load(host) }
            for p in room.participants where !p.isAgent { profiles[p.identity] = try context.profiles.load(p.identity) }
            return try comparisons(for: nil)
        case .participantJoined(let p):
            room?.participants.append(p)
            guard !p.isAgent else { return [] }
            profiles[p.identity] = try context.profiles.load(p.identity)
            return profiles[p.identity]!.isEmpty ? [] : try comparisons(for: p.identity)
        case .participantLeft(let identity):
            room?.participants.removeAll { $0.identity == identity }
            guard identity != room?.hostIdentity, profiles.removeValue(forKey: identity)?.isEmpty == false else { return [] }
            return try blend().map { [$0] } ?? []
        case .participantUpdated:
            return []
        case .profileChanged(let change):
            // Stored elsewhere (Spotify top tracks): reload, compare as after a `profile`.
            let isHost = change.identity == room?.hostIdentity
            guard isHost || isPerson(change.identity) else { return [] }
            profiles[change.identity] = try context.profiles.load(change.identity)
            return try comparisons(for: isHost ? nil : change.identity)
        case .data(let message):
            guard let sender = message.sender, !message.senderHidden, isPerson(sender) else { return [] }
            switch message.topic {
            case "profile": return try profileMessage(message.payload, from: sender)
            case "recs.control": return try seedsMessage(message.payload, from: sender)
            default: return []
            }
        }
    }

    private func isPerson(_ identity: String) -> Bool {
        room?.participants.contains { $0.identity == identity && !$0.isAgent } ?? false
    }

    private func profileMessage(_ payload: [UInt8], from sender: String) throws -> [AgentPublication] {
        let update: ProfileUpdate
        do {
            update = try ProfileUpdate.parse(payload)
        } catch {
            return [AgentPublication(topic: "profile.status", payload: TasteJSON.error(error), destinations: [sender])]
        }
        let resolution = context.resolve(update.items, index: context.index.snapshot)
        let now = MusicContext.wallSeconds
        let entries = resolution.trackIDs.map { ProfileEntry(trackID: $0, source: .profile, addedAt: now) }
        var profile = try profiles[sender] ?? context.profiles.load(sender)
        if update.replace { profile.replace(with: entries) } else { profile.extend(with: entries) }
        profiles[sender] = profile
        try context.profiles.save(profile, for: sender)
        var out = [AgentPublication(topic: "profile.status", payload: TasteJSON.profileResolution(resolution), destinations: [sender])]
        out += try comparisons(for: sender == room?.hostIdentity ? nil : sender)
        return out
    }

    /// Seeds picked for the recommender (`recs.control` `{"seeds":[…]}`) join the sender's
    /// profile with source `seed`, so the taste comparison fills as a listener picks. Tracks
    /// already in the profile keep their entry; ids without a vector are left out; other
    /// controls, and malformed ones, are the recommender's to answer.
    private func seedsMessage(_ payload: [UInt8], from sender: String) throws -> [AgentPublication] {
        guard case .seeds(let ids)? = try? RecsControl.parse(payload) else { return [] }
        let index = context.index.snapshot
        var profile = try profiles[sender] ?? context.profiles.load(sender)
        let now = MusicContext.wallSeconds
        var seen = Set<Int64>()
        let added = ids.filter { index.contains(id: $0) && !profile.contains($0) && seen.insert($0).inserted }
            .map { ProfileEntry(trackID: $0, source: .seed, addedAt: now) }
        guard !added.isEmpty else { return [] }
        profile.extend(with: added)
        profiles[sender] = profile
        try context.profiles.save(profile, for: sender)
        return try comparisons(for: sender == room?.hostIdentity ? nil : sender)
    }

    /// `taste` for one guest (or every guest when nil, after the host's profile changed),
    /// then the room blend.
    private func comparisons(for guest: String?) throws -> [AgentPublication] {
        guard let room else { return [] }
        let directory = try context.directory()
        let index = context.index.snapshot
        var out: [AgentPublication] = []
        if let host = room.hostIdentity, let hostProfile = profiles[host], !hostProfile.isEmpty {
            let guests = room.participants.filter { !$0.isAgent && $0.identity != host && (guest == nil || $0.identity == guest) }
            for g in guests {
                guard let profile = profiles[g.identity], !profile.isEmpty else { continue }
                let result = comparer.compare(host: host, hostProfile, guest: g.identity, profile, vectors: index, tracks: directory)
                out.append(AgentPublication(topic: "taste", payload: TasteJSON.taste(result)))
            }
        }
        if let b = try blend(index: index, directory: directory) { out.append(b) }
        return out
    }

    /// `{"room_blend":…}` over everyone present with a profile (and the host).
    private func blend(index: VectorIndex? = nil, directory: TrackDirectory? = nil) throws -> AgentPublication? {
        guard let room else { return nil }
        let present = Set(room.participants.filter { !$0.isAgent }.map(\.identity)).union(room.hostIdentity.map { [$0] } ?? [])
        let members = profiles.filter { present.contains($0.key) && !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { (identity: $0.key, profile: $0.value) }
        guard !members.isEmpty else { return nil }
        let b = comparer.roomBlend(members, vectors: index ?? context.index.snapshot, tracks: try directory ?? context.directory())
        return AgentPublication(topic: "taste", payload: TasteJSON.roomBlend(b))
    }
}
