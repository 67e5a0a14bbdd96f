/// Taste profiles stored by participant identity (migration 4), so a returning identity gets
/// its profile back, and the room → host mapping, so a host's profile is compared against
/// while the host is offline.
///
/// A profile lists each track once, in the order tracks were first added. Every write is one
/// transaction; a track id the catalog does not have fails the whole write with
/// `CatalogError.unknownTrack` (nothing is half-stored). Deleting a track removes it from
/// every profile.
extension Catalog {
    /// The stored profile of `identity` (empty when none), in insertion order.
    public func profile(identity: String) throws -> [ProfileTrack] {
        try locked { db in
            let select = try db.cachedStatement(
                "SELECT track_id, weight, source, added_at FROM profile_tracks WHERE identity = ? ORDER BY position")
            try select.bind(.text(identity))
            var out: [ProfileTrack] = []
            while try select.step() {
                out.append(ProfileTrack(trackID: select.int64(0), weight: select.double(1), source: select.string(2) ?? "", addedAt: select.double(3)))
            }
            return out
        }
    }

    /// Adds tracks to the profile; a track already in it takes the new weight, source and time
    /// and keeps its place.
    public func extendProfile(identity: String, with tracks: [ProfileTrack]) throws {
        try locked { db in try db.transaction { try Self.upsert(db, identity, tracks) } }
    }

    /// Makes the profile exactly `tracks`.
    public func replaceProfile(identity: String, with tracks: [ProfileTrack]) throws {
        try locked { db in
            try db.transaction {
                try db.cachedStatement("DELETE FROM profile_tracks WHERE identity = ?").bind(.text(identity)).run()
                try Self.upsert(db, identity, tracks)
            }
        }
    }

    /// Replaces only the entries of one source (a room definition's `host_profile`, re-applied
    /// at every start), keeping what the identity added itself. A track the identity holds from
    /// another source keeps that source.
    public func replaceProfile(identity: String, source: String, with tracks: [ProfileTrack]) throws {
        try locked { db in
            try db.transaction {
                try db.cachedStatement("DELETE FROM profile_tracks WHERE identity = ? AND source = ?")
                    .bind(.text(identity), .text(source)).run()
                let existing = Set(try Self.trackIDs(db, identity))
                try Self.upsert(db, identity, tracks.filter { !existing.contains($0.trackID) })
            }
        }
    }

    /// Removes tracks from the profile (ids not in it are ignored).
    public func removeFromProfile(identity: String, trackIDs: [Int64]) throws {
        try locked { db in
            try db.transaction {
                let delete = try db.cachedStatement("DELETE FROM profile_tracks WHERE identity = ? AND track_id = ?")
                for id in trackIDs { try delete.bind(.text(identity), .integer(id)).run() }
            }
        }
    }

    /// Records who hosts `room` (from its definition, or the first identity with the `host` role).
    public func setRoomHost(room: String, identity: String) throws {
        try locked { db in
            try db.cachedStatement(
                "INSERT INTO room_hosts (room, identity) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET identity = excluded.identity"
            ).bind(.text(room), .text(identity)).run()
        }
    }

    public func roomHost(room: String) throws -> String? {
        try locked { db in
            let select = try db.cachedStatement("SELECT identity FROM room_hosts WHERE room = ?")
            return try select.bind(.text(room)).step() ? select.string(0) : nil
        }
    }

    private static func trackIDs(_ db: SQLiteConnection, _ identity: String) throws -> [Int64] {
        let select = try db.cachedStatement("SELECT track_id FROM profile_tracks WHERE identity = ? ORDER BY position")
        try select.bind(.text(identity))
        var ids: [Int64] = []
        while try select.step() { ids.append(select.int64(0)) }
        return ids
    }

    private static func upsert(_ db: SQLiteConnection, _ identity: String, _ tracks: [ProfileTrack]) throws {
        guard !tracks.isEmpty else { return }
        for t in tracks {
            guard try trackExists(db, t.trackID) else { throw CatalogError.unknownTrack(t.trackID) }
            guard t.weight > 0, t.weight.isFinite, t.addedAt.isFinite else { throw CatalogError.invalidProfileTrack(t.trackID) }
        }
        let next = try db.cachedStatement("SELECT coalesce(max(position), -1) + 1 FROM profile_tracks WHERE identity = ?")
        _ = try next.bind(.text(identity)).step()
        var position = next.int64(0)
        let insert = try db.cachedStatement(
            """
            INSERT INTO profile_tracks (identity, track_id, weight, source, added_at, position) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (identity, track_id) DO UPDATE
                SET weight = excluded.weight, source = excluded.source, added_at = excluded.added_at
            """)
        for t in tracks {
            try insert.bind(.text(identity), .integer(t.trackID), .real(t.weight), .text(t.source), .real(t.addedAt), .integer(position)).run()
            position += 1
        }
    }
}
