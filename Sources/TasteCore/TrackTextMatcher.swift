/// Picks the catalog track a `{"title","artist"}` profile entry means, among the hits of the
/// catalog's fuzzy search for the title (best first).
///
/// The search matches any field, so "Bossa Nova" also finds an album called that; the artist
/// then decides. Order of preference: title and artist both equal (ignoring case and
/// surrounding spaces), title equal and the artist contained either way, the search's best hit
/// whose artist is contained either way. With no artist given, an equal title wins, else the
/// search's first hit. nil when the artist matches no hit — reported back as unresolved, never
/// guessed.
public enum TrackTextMatcher {
    public static func pick(title: String, artist: String?, hits: [TrackInfo]) -> Int64? {
        let t = fold(title)
        guard let artist, !fold(artist).isEmpty else {
            return (hits.first { fold($0.title) == t } ?? hits.first)?.id
        }
        let a = fold(artist)
        func artistMatches(_ hit: TrackInfo) -> Bool {
            let h = fold(hit.artist)
            return !h.isEmpty && (h.contains(a) || a.contains(h))
        }
        if let both = hits.first(where: { fold($0.title) == t && fold($0.artist) == a }) { return both.id }
        if let titled = hits.first(where: { fold($0.title) == t && artistMatches($0) }) { return titled.id }
        return hits.first(where: artistMatches)?.id
    }

    static func fold(_ s: String) -> String {
        var out = Substring(s.lowercased())
        while out.first?.isWhitespace == true { out = out.dropFirst() }
        while out.last?.isWhitespace == true { out = out.dropLast() }
        return String(out)
    }
}
