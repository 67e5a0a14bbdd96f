import CSQLite

extension Catalog {
    /// Adds a track and its external ids; returns it with its new id. A track whose content hash
    /// is already present is a constraint violation (`SQLiteError.isConstraintViolation`).
    @discardableResult
    public func addTrack(_ track: Track) throws -> Track {
        try locked { db in try db.transaction { try Self.insertTrack(db, track) } }
    }

    /// Adds a track together with its vector for `model`, atomically: a track never exists
    /// without the vector that made ingest add it.
    @discardableResult
    public func addTrack(_ track: Track, vector: [Float], model: String) throws -> Track {
        try locked { db in
            try db.transaction {
                let added = try Self.insertTrack(db, track)
                try Self.writeVector(db, trackID: added.id, vector: vector, model: model)
                return added
            }
        }
    }

    static func insertTrack(_ db: SQLiteConnection, _ track: Track) throws -> Track {
        try db.cachedStatement(
            "INSERT INTO tracks (title, artist, album, source, duration, content_hash) VALUES (?, ?, ?, ?, ?, ?)"
        ).bind(
            .optional(track.title), .optional(track.artist), .optional(track.album), .text(track.source),
            .optional(track.duration), .optional(track.contentHash)
        ).run()
        var added = track
        added.id = db.lastInsertedRowID
        try writeExternalIDs(db, trackID: added.id, track.externalIDs)
        return added
    }

    public func setExternalID(_ externalID: String, service: String, trackID: Int64) throws {
        try locked { db in
            guard try Self.trackExists(db, trackID) else { throw CatalogError.unknownTrack(trackID) }
            try Self.writeExternalIDs(db, trackID: trackID, [service: externalID])
        }
    }

    public func track(id: Int64) throws -> Track? {
        try locked { db in try Self.readTracks(db, where: "id = ?", [.integer(id)]).first }
    }

    public func track(contentHash: String) throws -> Track? {
        try locked { db in try Self.readTracks(db, where: "content_hash = ?", [.text(contentHash)]).first }
    }

    public func track(externalID: String, service: String) throws -> Track? {
        try locked { db in
            try Self.readTracks(
                db, where: "id = (SELECT track_id FROM external_ids WHERE service = ? AND external_id = ?)",
                [.text(service), .text(externalID)]
            ).first
        }
    }

    /// Every track, ordered by id.
    public func allTracks() throws -> [Track] {
        try locked { db in try Self.readTracks(db, where: "1", []) }
    }

    public func trackCount() throws -> Int {
        try locked { db in Int(try db.scalarInt("SELECT count(*) FROM tracks")) }
    }

    /// Removes a track with its vectors and external ids.
    public func removeTrack(id: Int64) throws {
        try locked { db in try db.cachedStatement("DELETE FROM tracks WHERE id = ?").bind(.integer(id)).run() }
    }

    static func trackExists(_ db: SQLiteConnection, _ id: Int64) throws -> Bool {
        try db.cachedStatement("SELECT 1 FROM tracks WHERE id = ?").bind(.integer(id)).step()
    }

    private static func writeExternalIDs(_ db: SQLiteConnection, trackID: Int64, _ ids: [String: String]) throws {
        let insert = try db.cachedStatement(
            "INSERT INTO external_ids (track_id, service, external_id) VALUES (?, ?, ?) "
                + "ON CONFLICT (track_id, service) DO UPDATE SET external_id = excluded.external_id")
        for (service, value) in ids.sorted(by: { $0.key < $1.key }) {
            try insert.bind(.integer(trackID), .text(service), .text(value)).run()
        }
    }

    static func readTracks(_ db: SQLiteConnection, where condition: String, _ values: [SQLiteValue]) throws -> [Track] {
        let select = try db.cachedStatement(
            "SELECT id, title, artist, album, source, duration, content_hash FROM tracks WHERE \(condition) ORDER BY id"
        ).bind(values)
        var tracks: [Track] = []
        var index: [Int64: Int] = [:]
        while try select.step() {
            index[select.int64(0)] = tracks.count
            tracks.append(
                Track(
                    id: select.int64(0), title: select.string(1), artist: select.string(2), album: select.string(3),
                    source: select.string(4) ?? "", duration: select.isNull(5) ? nil : select.double(5),
                    contentHash: select.string(6)))
        }
        guard !tracks.isEmpty else { return [] }
        let external: SQLiteStatement
        if tracks.count == 1 {
            external = try db.cachedStatement("SELECT track_id, service, external_id FROM external_ids WHERE track_id = ?")
                .bind(.integer(tracks[0].id))
        } else {
            external = try db.cachedStatement(
                "SELECT track_id, service, external_id FROM external_ids WHERE track_id IN (SELECT id FROM tracks WHERE \(condition))"
            ).bind(values)
        }
        while try external.step() {
            if let i = index[external.int64(0)], let service = external.string(1), let value = external.string(2) {
                tracks[i].externalIDs[service] = value
            }
        }
        return tracks
    }
}
