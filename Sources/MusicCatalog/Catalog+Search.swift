extension Catalog {
    /// Fuzzy text search over title, artist and album, best first.
    ///
    /// - A track matches **exactly** when one of its fields contains the query as a
    ///   case-insensitive substring, whatever the query's length: three characters and more go
    ///   through the FTS5 trigram index (migration 3); one or two characters, which make no
    ///   trigram, through `LIKE` (which folds the case of ASCII letters only).
    /// - A **near miss** shares a trigram with the track (found by the index) and comes within
    ///   `TrackSearchHit.nearMissThreshold` of containing every word of the query
    ///   (`TrackSearchText.nearness`): a typo, words in another order, title and artist typed
    ///   together. Near misses always rank below every exact hit.
    ///
    /// Exact hits rank by how the field matches (equal, prefix, word start, inside), then by
    /// field (title, artist, album), then shorter titles; near misses by nearness. An empty query or a limit below 1 finds nothing.
    public func searchTracks(query: String, limit: Int = 20) throws -> [TrackSearchHit] {
        let text = TrackSearchText(query)
        guard !text.isEmpty, limit > 0 else { return [] }
        // The index orders candidates roughly (bm25); the ranking below refines them, so take
        // comfortably more than asked for.
        let candidates = max(limit * 10, 200)
        let (exact, near) = try locked { db -> ([Track], [Track]) in
            let exactIDs = text.hasTrigrams
                ? try Self.ids(db, Self.phraseSQL, [.text(text.phraseQuery), .integer(Int64(candidates))])
                : try Self.ids(db, Self.shortSQL, text.likePatterns.map { .text($0) } + [.integer(Int64(candidates))])
            var nearIDs: [Int64] = []
            if exactIDs.count < limit, let anyTrigram = text.anyTrigramQuery {
                let found = Set(exactIDs)
                nearIDs = try Self.ids(db, Self.phraseSQL, [.text(anyTrigram), .integer(Int64(candidates))])
                    .filter { !found.contains($0) }
            }
            return (try Self.readTracks(db, ids: exactIDs), try Self.readTracks(db, ids: nearIDs))
        }
        var hits = exact.map { TrackSearchHit(track: $0, isExact: true, relevance: 1, rank: text.exactRank(of: $0)) }
        hits.sort { $0.rank < $1.rank }
        var misses: [TrackSearchHit] = []
        for track in near {
            let nearness = text.nearness(to: track)
            if nearness >= TrackSearchHit.nearMissThreshold {
                misses.append(TrackSearchHit(track: track, isExact: false, relevance: nearness, rank: text.exactRank(of: track)))
            }
        }
        misses.sort { $0.relevance != $1.relevance ? $0.relevance > $1.relevance : $0.rank < $1.rank }
        return Array((hits + misses).prefix(limit))
    }

    /// Tracks by id, in the order of `ids`; ids not in the catalog are left out.
    public func tracks(ids: [Int64]) throws -> [Track] {
        guard !ids.isEmpty else { return [] }
        return try locked { db in try Self.readTracks(db, ids: ids) }
    }

    /// Tracks ordered by id, `limit` of them after id `after` (paging through the catalog).
    public func tracks(after: Int64 = 0, limit: Int) throws -> [Track] {
        guard limit > 0 else { return [] }
        return try locked { db in
            let ids = try Self.ids(db, "SELECT id FROM tracks WHERE id > ? ORDER BY id LIMIT ?", [.integer(after), .integer(Int64(limit))])
            return try Self.readTracks(db, ids: ids)
        }
    }

    /// Matches an FTS5 query against the trigram index, best bm25 first (title counts most).
    static let phraseSQL = "SELECT rowid FROM track_search WHERE track_search MATCH ? ORDER BY bm25(track_search, 4.0, 2.0, 1.0) LIMIT ?"

    /// Queries too short for a trigram: a scan with LIKE, equal fields first, then prefixes,
    /// then word starts. Parameters: %q%, q, q%, % q%, limit.
    static let shortSQL = """
        SELECT id FROM tracks
        WHERE title LIKE ?1 ESCAPE '\\' OR artist LIKE ?1 ESCAPE '\\' OR album LIKE ?1 ESCAPE '\\'
        ORDER BY (title LIKE ?2 ESCAPE '\\' OR artist LIKE ?2 ESCAPE '\\' OR album LIKE ?2 ESCAPE '\\') DESC,
                 (title LIKE ?3 ESCAPE '\\' OR artist LIKE ?3 ESCAPE '\\' OR album LIKE ?3 ESCAPE '\\') DESC,
                 (title LIKE ?4 ESCAPE '\\' OR artist LIKE ?4 ESCAPE '\\' OR album LIKE ?4 ESCAPE '\\') DESC,
                 id
        LIMIT ?5
        """

    private static func ids(_ db: SQLiteConnection, _ sql: String, _ values: [SQLiteValue]) throws -> [Int64] {
        let select = try db.cachedStatement(sql).bind(values)
        var ids: [Int64] = []
        while try select.step() { ids.append(select.int64(0)) }
        return ids
    }

    /// Reads `ids` with their external ids in one pass each, returned in the order of `ids`.
    static func readTracks(_ db: SQLiteConnection, ids: [Int64]) throws -> [Track] {
        guard !ids.isEmpty else { return [] }
        // One bound JSON array instead of a statement per list length: the SQL stays the same,
        // so the statement stays cached.
        let list = "[" + ids.map(String.init).joined(separator: ",") + "]"
        let byID = Dictionary(
            try readTracks(db, where: "id IN (SELECT value FROM json_each(?))", [.text(list)]).map { ($0.id, $0) },
            uniquingKeysWith: { first, _ in first })
        return ids.compactMap { byID[$0] }
    }
}
