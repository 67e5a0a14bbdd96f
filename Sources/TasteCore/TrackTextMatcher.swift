import TrackText

/// Picks the catalog track a `{"title","artist"}` profile entry means, among the hits of the
/// catalog's fuzzy search for the title (best first) — docs/agents.md#profiles.
///
/// The search matches any field, so "Bossa Nova" also finds an album called that; the artist
/// then decides. Titles and artists are compared as `MatchText` folds them, the way the iTunes
/// match rule does: case, diacritics and punctuation do not count ("Beyonce" is "Beyoncé",
/// "AC/DC" is "AC DC"), "&" reads "and", a "feat." credit and bracketed parts are cut, a
/// leading "The" of an artist is dropped ("Beatles" is "The Beatles"), and a title's
/// decorated " - Remastered 2011" suffix is cut. Order of preference:
/// 1. title and artist both equal;
/// 2. title equal, and the artist contained in the hit's or the hit's in it ("Demo Band" and
///    "WaveDefect Demo Band");
/// 3. the search's best hit whose artist is contained either way.
/// A misspelt artist ("Beyonse") is not guessed at: among songs of one title, near spellings
/// are as often other artists.
/// With no artist given, an equal title wins, else the search's first hit. nil when the artist
/// matches no hit — reported back as unresolved, never guessed.
public enum TrackTextMatcher {
    public static func pick(title: String, artist: String?, hits: [TrackInfo]) -> Int64? {
        let t = MatchText.normalizeTitle(title)
        let titled = hits.filter { MatchText.normalizeTitle($0.title) == t }
        guard let artist, !MatchText.normalizeArtist(artist).isEmpty else {
            return (titled.first ?? hits.first)?.id
        }
        let a = MatchText.normalizeArtist(artist)
        func contained(_ hit: TrackInfo) -> Bool {
            let h = MatchText.normalizeArtist(hit.artist)
            return !h.isEmpty && (h.contains(a) || a.contains(h))
        }
        if let both = titled.first(where: { MatchText.normalizeArtist($0.artist) == a }) { return both.id }
        if let near = titled.first(where: contained) { return near.id }
        return hits.first(where: contained)?.id
    }
}
