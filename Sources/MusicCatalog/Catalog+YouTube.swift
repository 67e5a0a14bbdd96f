/// YouTube search answers by query (migration 6, docs/youtube.md#cache). The YouTube Data API
/// allows about a hundred searches a day on a default quota, so every answer is kept — a
/// video, or that there was none, with when it was asked — by the search's normalized text,
/// which the server reads before it asks again.
extension Catalog {
    /// What the search for `key` answered: nil when never asked; `videoID` nil when it found
    /// nothing.
    public func youtubeLink(key: String) throws -> (videoID: String?, fetchedAt: Double)? {
        try locked { db in
            let select = try db.cachedStatement("SELECT video_id, fetched_at FROM youtube_links WHERE query_key = ?")
            defer { select.reset() }
            guard try select.bind(.text(key)).step() else { return nil }
            return (select.string(0), select.double(1))
        }
    }

    /// The answers for many keys at once (the tracks of one recommendation list); keys never
    /// asked are absent.
    public func youtubeLinks(keys: [String]) throws -> [String: (videoID: String?, fetchedAt: Double)] {
        guard !keys.isEmpty else { return [:] }
        return try locked { db in
            let select = try db.cachedStatement("SELECT video_id, fetched_at FROM youtube_links WHERE query_key = ?")
            var out: [String: (videoID: String?, fetchedAt: Double)] = [:]
            defer { select.reset() }
            for key in Set(keys) {
                guard try select.bind(.text(key)).step() else { continue }
                out[key] = (select.string(0), select.double(1))
            }
            return out
        }
    }

    /// Records what the search for `key` answered (`videoID` nil: nothing); a later answer
    /// replaces it.
    public func storeYouTubeLink(key: String, videoID: String?, fetchedAt: Double) throws {
        try locked { db in
            try db.cachedStatement("""
                INSERT INTO youtube_links (query_key, video_id, fetched_at) VALUES (?, ?, ?)
                ON CONFLICT (query_key) DO UPDATE SET video_id = excluded.video_id, fetched_at = excluded.fetched_at
                """).bind(.text(key), videoID.map { .text($0) } ?? .null, .real(fetchedAt)).run()
        }
    }
}
