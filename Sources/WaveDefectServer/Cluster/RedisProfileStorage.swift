import ClusterCore
import MusicCatalog
import RedisClient

/// Taste profiles and room hosts in Redis (docs/cluster.md#taste-profiles), so every node of a
/// cluster reads and writes the same ones. The rules are the SQLite store's (`ProfileStorage`):
/// each write is one atomic Lua script (`ProfileKeys.writeScript`), tracks are checked against
/// the catalog first (an unknown track fails the whole write), and a profile read drops tracks
/// the catalog no longer has.
///
/// Calls block (a synchronous connection, `RedisBlockingConnection`): they run where the
/// SQLite store's did, on the thread pool and agent threads, never on the loop. Redis down:
/// a call fails within the connection's timeout with an error naming Redis, which the callers
/// report as they report a database error (the agent answers with an error, a log line).
final class RedisProfileStorage: ProfileStorage {
    let redis: RedisBlockingConnection
    /// Where track ids are checked (the catalog every node opens).
    let catalog: Catalog

    init(redis: RedisBlockingConnection, catalog: Catalog) {
        self.redis = redis
        self.catalog = catalog
    }

    func profile(identity: String) throws -> [ProfileTrack] {
        guard let flat = try redis.command(["HGETALL", ProfileKeys.profile(identity)]).array else { return [] }
        var pairs: [(field: String, value: String)] = []
        pairs.reserveCapacity(flat.count / 2)
        var i = 0
        while i + 1 < flat.count {
            if let field = flat[i].text, let value = flat[i + 1].text { pairs.append((field, value)) }
            i += 2
        }
        return try StoredProfileEntry.profile(pairs).compactMap { e in
            // A track deleted from the catalog leaves every profile, as in SQLite.
            try catalog.track(id: e.trackID) == nil ? nil : ProfileTrack(trackID: e.trackID, weight: e.weight, source: e.source, addedAt: e.addedAt)
        }
    }

    func extendProfile(identity: String, with tracks: [ProfileTrack]) throws {
        try write(identity, .extend, tracks)
    }

    func replaceProfile(identity: String, with tracks: [ProfileTrack]) throws {
        try write(identity, .replace, tracks)
    }

    func replaceProfile(identity: String, source: String, with tracks: [ProfileTrack]) throws {
        try write(identity, .replaceSource, tracks, source: source)
    }

    func removeFromProfile(identity: String, trackIDs: [Int64]) throws {
        guard !trackIDs.isEmpty else { return }
        _ = try redis.command(["EVAL", ProfileKeys.writeScript, "1", ProfileKeys.profile(identity), ProfileKeys.Mode.remove.rawValue, ""] + trackIDs.map(String.init))
    }

    func setRoomHost(room: String, identity: String) throws {
        _ = try redis.command(["SET", ProfileKeys.roomHost(room), identity])
    }

    func roomHost(room: String) throws -> String? {
        try redis.command(["GET", ProfileKeys.roomHost(room)]).text
    }

    /// Checks every track (known to the catalog, positive finite weight, finite time) before
    /// anything is sent, so a refused write changes nothing.
    private func write(_ identity: String, _ mode: ProfileKeys.Mode, _ tracks: [ProfileTrack], source: String = "") throws {
        var arguments = ["EVAL", ProfileKeys.writeScript, "1", ProfileKeys.profile(identity), mode.rawValue, source]
        for t in tracks {
            guard try catalog.track(id: t.trackID) != nil else { throw CatalogError.unknownTrack(t.trackID) }
            let entry = StoredProfileEntry(trackID: t.trackID, source: t.source, weight: t.weight, addedAt: t.addedAt)
            guard t.weight > 0, t.weight.isFinite, t.addedAt.isFinite, let value = entry.value else { throw CatalogError.invalidProfileTrack(t.trackID) }
            arguments += [String(t.trackID), value]
        }
        // Extending with nothing changes nothing; replacing with nothing empties.
        if tracks.isEmpty && mode == .extend { return }
        _ = try redis.command(arguments)
    }
}
