/// Schema versions, applied in order and recorded in `PRAGMA user_version`. Append only: a
/// released migration is never edited, so every catalog file reaches the same schema.
extension Catalog {
    static let migrations: [String] = [
        // 1: tracks, their ids elsewhere, and vectors per model.
        """
        CREATE TABLE tracks (
            id INTEGER PRIMARY KEY,
            title TEXT,
            artist TEXT,
            album TEXT,
            source TEXT NOT NULL,
            duration REAL,
            content_hash TEXT UNIQUE,
            added_at INTEGER NOT NULL DEFAULT (unixepoch())
        );
        CREATE TABLE external_ids (
            track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            service TEXT NOT NULL,
            external_id TEXT NOT NULL,
            PRIMARY KEY (track_id, service),
            UNIQUE (service, external_id)
        );
        CREATE TABLE models (
            name TEXT PRIMARY KEY,
            dimension INTEGER NOT NULL CHECK (dimension > 0),
            description TEXT
        );
        CREATE TABLE vectors (
            track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            model TEXT NOT NULL REFERENCES models(name),
            vector BLOB NOT NULL,
            PRIMARY KEY (model, track_id)
        ) WITHOUT ROWID;
        """,
        // 2: look tracks up by where they came from (ingest of a file already known by path).
        """
        CREATE INDEX tracks_by_source ON tracks(source);
        """,
        // 3: fuzzy text search over title, artist and album (Catalog+Search.swift). An FTS5 index
        // with the trigram tokenizer over the tracks table itself (external content, so the text
        // is stored once), kept in step by triggers and filled from the tracks already there.
        """
        CREATE VIRTUAL TABLE track_search USING fts5(
            title, artist, album, content = 'tracks', content_rowid = 'id', tokenize = 'trigram'
        );
        CREATE TRIGGER track_search_insert AFTER INSERT ON tracks BEGIN
            INSERT INTO track_search (rowid, title, artist, album) VALUES (new.id, new.title, new.artist, new.album);
        END;
        CREATE TRIGGER track_search_delete AFTER DELETE ON tracks BEGIN
            INSERT INTO track_search (track_search, rowid, title, artist, album)
                VALUES ('delete', old.id, old.title, old.artist, old.album);
        END;
        CREATE TRIGGER track_search_update AFTER UPDATE OF title, artist, album ON tracks BEGIN
            INSERT INTO track_search (track_search, rowid, title, artist, album)
                VALUES ('delete', old.id, old.title, old.artist, old.album);
            INSERT INTO track_search (rowid, title, artist, album) VALUES (new.id, new.title, new.artist, new.album);
        END;
        INSERT INTO track_search (track_search) VALUES ('rebuild');
        """,
        // 4: taste profiles by participant identity (Catalog+Profiles.swift), and who hosts each
        // room, so a room's host profile is found while the host is offline.
        """
        CREATE TABLE profile_tracks (
            identity TEXT NOT NULL,
            track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            weight REAL NOT NULL CHECK (weight > 0),
            source TEXT NOT NULL,
            added_at REAL NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (identity, track_id)
        ) WITHOUT ROWID;
        CREATE INDEX profile_tracks_by_track ON profile_tracks(track_id);
        CREATE TABLE room_hosts (
            room TEXT PRIMARY KEY,
            identity TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
        // 5: landmark fingerprints per track (Catalog+Fingerprints.swift): one blob of packed
        // (hash << 32 | frame) little-endian UInt64s per track, under the scheme (parameter set)
        // that made them. The inverted index is built in memory from these at load.
        """
        CREATE TABLE fingerprints (
            track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
            scheme TEXT NOT NULL,
            frame_count INTEGER NOT NULL CHECK (frame_count >= 0),
            landmark_count INTEGER NOT NULL CHECK (landmark_count >= 0),
            landmarks BLOB NOT NULL
        );
        """,
        // 6: YouTube search answers by normalized query (Catalog+YouTube.swift, docs/youtube.md):
        // one YouTube Data API search per track; video_id NULL records that the search found
        // nothing (asked again once that answer is older than youtube_negative_ttl).
        """
        CREATE TABLE youtube_links (
            query_key TEXT PRIMARY KEY,
            video_id TEXT,
            fetched_at REAL NOT NULL
        ) WITHOUT ROWID;
        """,
    ]

    static func migrate(_ connection: SQLiteConnection) throws {
        let current = Int(try connection.scalarInt("PRAGMA user_version"))
        guard current <= Self.migrations.count else {
            throw CatalogError.schemaTooNew(found: current, known: migrations.count)
        }
        for version in current..<migrations.count {
            try connection.transaction {
                try connection.execute(migrations[version])
                try connection.execute("PRAGMA user_version = \(version + 1)")
            }
        }
    }

    /// The schema version of the open file.
    public var schemaVersion: Int {
        get throws { try locked { Int(try $0.scalarInt("PRAGMA user_version")) } }
    }
}
