import CSQLite

extension Catalog {
    /// Stores (or replaces) the fingerprint of one track.
    public func setFingerprint(_ fingerprint: StoredFingerprint) throws {
        try locked { db in
            try db.transaction {
                guard try Self.trackExists(db, fingerprint.trackID) else { throw CatalogError.unknownTrack(fingerprint.trackID) }
                try Self.writeFingerprint(db, fingerprint)
            }
        }
    }

    /// Adds a track with its vector and its fingerprint in one transaction: ingest never leaves
    /// a track that search finds but recognition does not.
    @discardableResult
    public func addTrack(_ track: Track, vector: [Float], model: String, fingerprint: StoredFingerprint) throws -> Track {
        try locked { db in
            try db.transaction {
                let added = try Self.insertTrack(db, track)
                try Self.writeVector(db, trackID: added.id, vector: vector, model: model)
                var print = fingerprint
                print.trackID = added.id
                try Self.writeFingerprint(db, print)
                return added
            }
        }
    }

    /// Every fingerprint made under `scheme`, by track id.
    public func fingerprints(scheme: String) throws -> [StoredFingerprint] {
        try locked { db in
            let select = try db.cachedStatement(
                "SELECT track_id, frame_count, landmarks FROM fingerprints WHERE scheme = ? ORDER BY track_id"
            ).bind(.text(scheme))
            var out: [StoredFingerprint] = []
            while try select.step() {
                out.append(StoredFingerprint(trackID: select.int64(0), scheme: scheme, frameCount: Int(select.int64(1)), landmarks: select.uint64s(2)))
            }
            return out
        }
    }

    public func fingerprint(trackID: Int64) throws -> StoredFingerprint? {
        try locked { db in
            let select = try db.cachedStatement("SELECT scheme, frame_count, landmarks FROM fingerprints WHERE track_id = ?")
                .bind(.integer(trackID))
            guard try select.step() else { return nil }
            return StoredFingerprint(trackID: trackID, scheme: select.string(0) ?? "", frameCount: Int(select.int64(1)), landmarks: select.uint64s(2))
        }
    }

    /// Tracks with no fingerprint under `scheme` (never fingerprinted, or by another scheme).
    public func tracksWithoutFingerprint(scheme: String) throws -> [Track] {
        try locked { db in
            try Self.readTracks(db, where: "id NOT IN (SELECT track_id FROM fingerprints WHERE scheme = ?)", [.text(scheme)])
        }
    }

    /// What changes whenever a fingerprint of `scheme` is added, replaced or removed: the
    /// live index reloads when it differs from what it loaded.
    public struct FingerprintSummary: Sendable, Equatable {
        public var tracks: Int
        public var landmarks: Int
        public var idSum: Int64
        public var bytes: Int
    }

    public func fingerprintSummary(scheme: String) throws -> FingerprintSummary {
        try locked { db in
            let select = try db.cachedStatement(
                "SELECT count(*), total(landmark_count), total(track_id), total(length(landmarks)) FROM fingerprints WHERE scheme = ?"
            ).bind(.text(scheme))
            _ = try select.step()
            return FingerprintSummary(
                tracks: Int(select.int64(0)), landmarks: Int(select.double(1)), idSum: Int64(select.double(2)), bytes: Int(select.double(3)))
        }
    }

    static func writeFingerprint(_ db: SQLiteConnection, _ fingerprint: StoredFingerprint) throws {
        try db.cachedStatement(
            "INSERT INTO fingerprints (track_id, scheme, frame_count, landmark_count, landmarks) VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT (track_id) DO UPDATE SET scheme = excluded.scheme, frame_count = excluded.frame_count, "
                + "landmark_count = excluded.landmark_count, landmarks = excluded.landmarks"
        ).bind(
            .integer(fingerprint.trackID), .text(fingerprint.scheme), .integer(Int64(fingerprint.frameCount)),
            .integer(Int64(fingerprint.landmarks.count)), .blob(fingerprint.landmarks.withUnsafeBytes { Array($0) })
        ).run()
    }
}
