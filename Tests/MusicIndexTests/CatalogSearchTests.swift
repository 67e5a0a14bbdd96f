import Testing

@testable import MusicCatalog

@Suite struct CatalogSearchTests {
    /// A small catalog with overlapping words, so ranking has something to decide.
    static func catalog() throws -> (Catalog, [String: Int64]) {
        let catalog = try Catalog(path: ":memory:")
        var ids: [String: Int64] = [:]
        let rows: [(String, String?, String?)] = [
            ("Yesterday", "The Beatles", "Help!"),
            ("Let It Be", "The Beatles", "Let It Be"),
            ("Beat It", "Michael Jackson", "Thriller"),
            ("Heartbeat", "Kyoto Nights", "Ümlaut Öpera"),
            ("So What", "Miles Davis", "Kind of Blue"),
            ("U2 Tribute", "Covers Inc", nil),
            ("Blue in Green", "Miles Davis", "Kind of Blue"),
            ("100% Pure", "Percent_Sign", "A\\B"),
        ]
        for (title, artist, album) in rows {
            ids[title] = try catalog.addTrack(Track(title: title, artist: artist, album: album, source: "/\(title).wav")).id
        }
        return (catalog, ids)
    }

    func titles(_ hits: [TrackSearchHit]) -> [String] { hits.map { $0.track.title ?? "?" } }

    @Test func aSubstringOfAnyFieldMatchesWhateverItsCase() throws {
        let (catalog, _) = try Self.catalog()
        #expect(titles(try catalog.searchTracks(query: "BEATLES")) == ["Yesterday", "Let It Be"])
        #expect(titles(try catalog.searchTracks(query: "thrill")) == ["Beat It"])
        #expect(titles(try catalog.searchTracks(query: "kind of")) == ["So What", "Blue in Green"])
        // Non-ASCII letters fold too (the trigram tokenizer folds Unicode case).
        #expect(titles(try catalog.searchTracks(query: "ümlaut öp")) == ["Heartbeat"])
        #expect(titles(try catalog.searchTracks(query: "ÜMLAUT")) == ["Heartbeat"])
        #expect(try catalog.searchTracks(query: "beatles").allSatisfy { $0.isExact && $0.relevance == 1 })
    }

    @Test func exactHitsRankByPositionThenFieldThenTitleLength() throws {
        let (catalog, _) = try Self.catalog()
        // "beat": "Beat It" starts with it (prefix), "The Beatles" has it at a word start
        // (artist), "Heartbeat" has it inside.
        let hits = try catalog.searchTracks(query: "beat")
        #expect(titles(hits) == ["Beat It", "Yesterday", "Let It Be", "Heartbeat"])
        #expect(hits.map(\.rank.position) == [.prefix, .wordStart, .wordStart, .inside])
        // An equal field beats a prefix: "Let It Be" is the whole title (and the album).
        let equal = try catalog.searchTracks(query: "let it be")
        #expect(equal.first?.track.title == "Let It Be")
        #expect(equal.first?.rank.position == .equal)
        #expect(equal.dropFirst().allSatisfy { !$0.isExact })
        #expect(titles(try catalog.searchTracks(query: "blue")).prefix(1) == ["Blue in Green"])
    }

    @Test func oneAndTwoLetterQueriesMatchAsSubstrings() throws {
        let (catalog, _) = try Self.catalog()
        #expect(titles(try catalog.searchTracks(query: "u2")) == ["U2 Tribute"])
        // A prefix ("So What") before a match inside a word ("Michael Jackson").
        #expect(titles(try catalog.searchTracks(query: "So")) == ["So What", "Beat It"])
        // Inside words too, not only at their start: "Help!", "Michael".
        #expect(Set(titles(try catalog.searchTracks(query: "el"))) == ["Yesterday", "Beat It"])
        // Word starts, the shorter title first.
        #expect(titles(try catalog.searchTracks(query: "it")) == ["Beat It", "Let It Be"])
        #expect(titles(try catalog.searchTracks(query: "Y")) == ["Yesterday", "Heartbeat"])
        #expect(try catalog.searchTracks(query: "y").allSatisfy { $0.isExact })
    }

    @Test func likeWildcardsInTheQueryAreLiteral() throws {
        let (catalog, _) = try Self.catalog()
        #expect(titles(try catalog.searchTracks(query: "%")) == ["100% Pure"])
        #expect(titles(try catalog.searchTracks(query: "_")) == ["100% Pure"])
        #expect(titles(try catalog.searchTracks(query: "\\")) == ["100% Pure"])
        #expect(titles(try catalog.searchTracks(query: "t_s")) == ["100% Pure"])
        // FTS5 syntax in the query is text, not operators.
        #expect(try catalog.searchTracks(query: "\"beat OR NOT*").filter { $0.isExact }.isEmpty)
        #expect(try catalog.searchTracks(query: "NEAR(beat it)").filter { $0.isExact }.isEmpty)
        #expect(titles(try catalog.searchTracks(query: "0% p")) == ["100% Pure"])
    }

    @Test func substringEditDistanceLetsTheMatchStartAndEndAnywhere() {
        func d(_ a: String, _ b: String) -> Int {
            TrackSearchText.substringEditDistance(Array(a.unicodeScalars), in: Array(b.unicodeScalars))
        }
        #expect(d("beat", "heartbeat") == 0)
        #expect(d("beatels", "the beatles") == 2)
        #expect(d("beatels", "beat it") == 3)
        #expect(d("abc", "") == 3)
        #expect(d("", "abc") == 0)
        #expect(d("kitten", "sitting") == 2)  // k→s, e→i; the trailing g is outside the match
    }

    @Test func nearMissesRankBelowEveryExactHit() throws {
        let (catalog, _) = try Self.catalog()
        // A typo finds the intended track, as a near miss with its share of trigrams.
        let typo = try catalog.searchTracks(query: "beatels")
        #expect(titles(typo) == ["Yesterday", "Let It Be"])
        #expect(typo.allSatisfy { !$0.isExact && $0.relevance == 1 - 2.0 / 7 })
        // Title and artist typed together: no field holds both, every trigram is there.
        let both = try catalog.searchTracks(query: "yesterday the beatles")
        #expect(titles(both).first == "Yesterday")
        #expect(both.first?.isExact == false)
        #expect(both.first?.relevance == 1)
        let mixed = try catalog.searchTracks(query: "davis")
        #expect(titles(mixed) == ["So What", "Blue in Green"])
        let withNear = try catalog.searchTracks(query: "heartbeats")
        #expect(withNear.first?.track.title == "Heartbeat")
        #expect(withNear.first?.relevance == 0.9)
        #expect(withNear.first?.isExact == false)
        let exactThenNear = try catalog.searchTracks(query: "beat it")
        #expect(exactThenNear.first?.track.title == "Beat It")
        #expect(exactThenNear.first?.isExact == true)
        let firstNear = exactThenNear.firstIndex { !$0.isExact } ?? exactThenNear.count
        #expect(exactThenNear[firstNear...].allSatisfy { !$0.isExact })
        #expect(exactThenNear[..<firstNear].allSatisfy { $0.isExact })
        #expect(exactThenNear.count > 1)
    }

    @Test func unrelatedTextLimitsAndEmptyQueriesFindNothing() throws {
        let (catalog, _) = try Self.catalog()
        #expect(try catalog.searchTracks(query: "zzzqqq").isEmpty)
        #expect(try catalog.searchTracks(query: "   ").isEmpty)
        #expect(try catalog.searchTracks(query: "beatles", limit: 0).isEmpty)
        #expect(titles(try catalog.searchTracks(query: "beatles", limit: 1)) == ["Yesterday"])
        // Whitespace is normalized: runs become one space, ends are trimmed.
        #expect(titles(try catalog.searchTracks(query: "  kind   of  ")) == ["So What", "Blue in Green"])
    }

    @Test func theIndexFollowsInsertsUpdatesAndDeletes() throws {
        let (catalog, ids) = try Self.catalog()
        try catalog.removeTrack(id: ids["Yesterday"]!)
        #expect(titles(try catalog.searchTracks(query: "beatles")) == ["Let It Be"])
        try catalog.locked { db in
            try db.execute("UPDATE tracks SET title = 'Let It Go' WHERE title = 'Let It Be'")
        }
        #expect(try catalog.searchTracks(query: "let it go").first?.track.title == "Let It Go")
        #expect(try catalog.searchTracks(query: "let it go").first?.isExact == true)
        // The album still says "Let It Be".
        #expect(try catalog.searchTracks(query: "let it be").filter(\.isExact).map { $0.track.title } == ["Let It Go"])
        try catalog.addTrack(Track(title: "Brand New", artist: "Fresh", source: "/new.wav"))
        #expect(titles(try catalog.searchTracks(query: "fresh")) == ["Brand New"])
    }

    @Test func tracksByIDKeepTheOrderAskedFor() throws {
        let (catalog, ids) = try Self.catalog()
        let order = [ids["So What"]!, 999, ids["Yesterday"]!]
        #expect(try catalog.tracks(ids: order).map(\.title) == ["So What", "Yesterday"])
        #expect(try catalog.tracks(ids: []).isEmpty)
        #expect(try catalog.tracks(after: 0, limit: 2).map(\.title) == ["Yesterday", "Let It Be"])
        #expect(try catalog.tracks(after: ids["Let It Be"]!, limit: 1).map(\.title) == ["Beat It"])
    }

    @Test func statementsArePreparedOncePerSQL() throws {
        let (catalog, ids) = try Self.catalog()
        _ = try catalog.track(id: ids["So What"]!)
        let before = try catalog.locked { $0.cachedStatementCount }
        for _ in 0..<5 {
            _ = try catalog.track(id: ids["So What"]!)
            _ = try catalog.searchTracks(query: "miles")
        }
        _ = try catalog.searchTracks(query: "miles")
        let after = try catalog.locked { $0.cachedStatementCount }
        // The first search prepares its statements; repeating it prepares nothing more.
        _ = try catalog.searchTracks(query: "davis")
        #expect(try catalog.locked { $0.cachedStatementCount } == after)
        #expect(after > before)
    }

    @Test func aFileFromBeforeSearchIsIndexedByTheMigration() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("v2.sqlite")
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute(Catalog.migrations[0])
            try connection.execute(Catalog.migrations[1])
            try connection.execute("PRAGMA user_version = 2")
            try connection.execute("INSERT INTO tracks (title, artist, source) VALUES ('Old Song', 'Old Band', '/old.wav')")
        }
        let catalog = try Catalog(path: path)
        #expect(titles(try catalog.searchTracks(query: "old ban")) == ["Old Song"])
    }
}
