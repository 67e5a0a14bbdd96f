/// Taste profiles and room hosts in Redis (docs/cluster.md#keys), for a cluster: every node
/// reads and writes the same ones. No TTL: they are data, kept as long as Redis keeps its
/// data (AOF or RDB; docs/cluster.md says how).
///
/// - `wavedefect:profile:<identity>`: a hash, one field per track id, valued
///   `<position>\t<source>\t<weight>\t<added_at>` (`StoredProfileEntry`); field `#next` counts
///   positions, so a track keeps its place when it is written again.
/// - `wavedefect:room_host:<room>`: the identity hosting the room.
public enum ProfileKeys {
    public static func profile(_ identity: String) -> String { ClusterKeys.prefix + "profile:" + identity }
    public static func roomHost(_ room: String) -> String { ClusterKeys.prefix + "room_host:" + room }
    /// The hash field counting positions (never a track id).
    public static let nextField = "#next"

    /// How `writeScript` changes a profile (ARGV[1]).
    public enum Mode: String, Sendable {
        /// Adds tracks; a track already there takes the new source, weight and time, keeps its place.
        case extend
        /// The profile becomes exactly the tracks given.
        case replace
        /// Entries of one source (ARGV[2]) are replaced; tracks held from another source keep it.
        case replaceSource = "replace_source"
        /// Removes the track ids given.
        case remove
    }

    /// Every profile write in one atomic step. KEYS[1]: the profile; ARGV[1]: the mode;
    /// ARGV[2]: the source (`replace_source`), else empty; then track id and
    /// `StoredProfileEntry.value` pairs (ids alone for `remove`). The same rules as the SQLite
    /// store (MusicCatalog's Catalog+Profiles).
    public static let writeScript = """
        local key, mode = KEYS[1], ARGV[1]
        if mode == 'remove' then
          for i = 3, #ARGV do redis.call('HDEL', key, ARGV[i]) end
          return 1
        end
        if mode == 'replace' then redis.call('DEL', key) end
        if mode == 'replace_source' then
          local all = redis.call('HGETALL', key)
          for i = 1, #all, 2 do
            if all[i] ~= '#next' and string.match(all[i + 1], '^%d+\\t([^\\t]*)\\t') == ARGV[2] then
              redis.call('HDEL', key, all[i])
            end
          end
        end
        for i = 3, #ARGV, 2 do
          local old = redis.call('HGET', key, ARGV[i])
          if not old then
            redis.call('HSET', key, ARGV[i], redis.call('HINCRBY', key, '#next', 1) .. '\\t' .. ARGV[i + 1])
          elseif mode ~= 'replace_source' then
            redis.call('HSET', key, ARGV[i], string.match(old, '^(%d+)\\t') .. '\\t' .. ARGV[i + 1])
          end
        end
        return 1
        """
}

/// One track of a profile hash: what the write script stores after the position.
public struct StoredProfileEntry: Sendable, Equatable {
    public var trackID: Int64
    public var position: Int64
    public var source: String
    public var weight: Double
    public var addedAt: Double

    public init(trackID: Int64, position: Int64 = 0, source: String, weight: Double, addedAt: Double) {
        self.trackID = trackID
        self.position = position
        self.source = source
        self.weight = weight
        self.addedAt = addedAt
    }

    /// `<source>\t<weight>\t<added_at>`, the script's ARGV value; doubles in their shortest
    /// exact form, so they read back bit for bit. Nil when the source holds a tab or newline.
    public var value: String? {
        guard !source.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return nil }
        return "\(source)\t\(weight)\t\(addedAt)"
    }

    /// Reads one hash field and its value; nil for `#next` or anything malformed.
    public static func parse(field: String, value: String) -> StoredProfileEntry? {
        guard let trackID = Int64(field) else { return nil }
        let parts = value.split(separator: "\t", omittingEmptySubsequences: false)
        guard parts.count == 4, let position = Int64(parts[0]), let weight = Double(parts[2]), let addedAt = Double(parts[3]) else { return nil }
        return StoredProfileEntry(trackID: trackID, position: position, source: String(parts[1]), weight: weight, addedAt: addedAt)
    }

    /// A profile hash (`HGETALL`'s field/value pairs) as entries in their stored order.
    public static func profile(_ pairs: [(field: String, value: String)]) -> [StoredProfileEntry] {
        pairs.compactMap { parse(field: $0.field, value: $0.value) }.sorted { ($0.position, $0.trackID) < ($1.position, $1.trackID) }
    }
}
