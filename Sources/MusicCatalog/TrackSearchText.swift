/// A search query, normalized, and what `Catalog.searchTracks` derives from it: the FTS5
/// queries, the LIKE patterns, its trigrams, and the ranking of a track against it. Pure.
struct TrackSearchText: Sendable {
    /// Trimmed, runs of whitespace made one space.
    let text: String
    /// `text` case-folded the way the trigram tokenizer folds it (close enough: lowercase).
    let folded: String
    /// The distinct trigrams of `folded`, over Unicode scalars like SQLite's tokenizer.
    let trigrams: Set<String>

    init(_ query: String) {
        text = query.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        folded = text.lowercased()
        trigrams = Self.trigrams(of: folded)
    }

    var isEmpty: Bool { text.isEmpty }

    /// Three or more characters: the trigram index can answer.
    var hasTrigrams: Bool { !trigrams.isEmpty }

    /// The query as one FTS5 phrase: with the trigram tokenizer, a phrase matches any field
    /// that contains it as a substring.
    var phraseQuery: String { Self.quoted(text) }

    /// Any of the query's trigrams, for near misses; nil when the query has fewer than two
    /// (then "near" and "exact" are the same thing).
    var anyTrigramQuery: String? {
        guard trigrams.count >= 2 else { return nil }
        return trigrams.sorted().map(Self.quoted).joined(separator: " OR ")
    }

    /// For `Catalog.shortSQL`: contains, equals, starts with, a word starts with.
    var likePatterns: [String] {
        let escaped = text.reduce(into: "") { out, c in
            if c == "%" || c == "_" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return ["%\(escaped)%", escaped, "\(escaped)%", "% \(escaped)%"]
    }

    /// How near the track comes to containing the query, 0…1: each word of the query is
    /// looked for in the track's title, artist and album allowing edits (the fewest
    /// insertions, deletions and substitutions that make it a substring), and the edits of
    /// all words are counted against the query's letters. 1 means every word is there as
    /// typed, in some field, in any order.
    func nearness(to track: Track) -> Double {
        let haystack = Array([track.title, track.artist, track.album].compactMap { $0?.lowercased() }.joined(separator: " ").unicodeScalars)
        var edits = 0, letters = 0
        for word in folded.split(separator: " ") {
            let needle = Array(word.unicodeScalars)
            edits += Self.substringEditDistance(needle, in: haystack)
            letters += needle.count
        }
        return letters == 0 ? 0 : max(0, 1 - Double(edits) / Double(letters))
    }

    /// The edit distance from `needle` to the closest substring of `haystack` (Sellers'
    /// algorithm: Levenshtein where the match may start and end anywhere in the haystack).
    static func substringEditDistance(_ needle: [Unicode.Scalar], in haystack: [Unicode.Scalar]) -> Int {
        guard !needle.isEmpty else { return 0 }
        // column[i]: edits to match needle[..<i] ending at the current haystack position.
        var column = Array(0...needle.count)
        var best = needle.count
        for c in haystack {
            var diagonal = column[0]  // the free start: a match may begin anywhere
            for i in 1...needle.count {
                let above = column[i]
                column[i] = min(diagonal + (needle[i - 1] == c ? 0 : 1), above + 1, column[i - 1] + 1)
                diagonal = above
            }
            best = min(best, column[needle.count])
        }
        return best
    }

    /// Where the query sits in the track's fields (the best of the three).
    func exactRank(of track: Track) -> TrackSearchRank {
        var best = (position: TrackSearchRank.Position.absent, field: 0)
        for (field, value) in [track.title, track.artist, track.album].enumerated() {
            guard let value else { continue }
            let position = Self.position(of: folded, in: value.lowercased())
            if position.rawValue < best.position.rawValue { best = (position, field) }
        }
        return TrackSearchRank(position: best.position, field: best.field, titleLength: track.title?.count ?? .max, id: track.id)
    }

    static func position(of needle: String, in haystack: String) -> TrackSearchRank.Position {
        if haystack == needle { return .equal }
        if haystack.hasPrefix(needle) { return .prefix }
        let h = Array(haystack.unicodeScalars), n = Array(needle.unicodeScalars)
        guard !n.isEmpty, h.count > n.count else { return .absent }
        var position = TrackSearchRank.Position.absent
        for start in 1...(h.count - n.count) where h[start..<(start + n.count)].elementsEqual(n) {
            let before = h[start - 1].properties
            if !before.isAlphabetic && before.numericType == nil { return .wordStart }
            position = .inside
        }
        return position
    }

    static func trigrams(of folded: String) -> Set<String> {
        let scalars = Array(folded.unicodeScalars)
        guard scalars.count >= 3 else { return [] }
        var grams = Set<String>()
        for i in 0...(scalars.count - 3) {
            var gram = String.UnicodeScalarView()
            gram.append(contentsOf: scalars[i..<(i + 3)])
            grams.insert(String(gram))
        }
        return grams
    }

    /// An FTS5 string: double quotes around, inner quotes doubled.
    static func quoted(_ s: String) -> String {
        "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
