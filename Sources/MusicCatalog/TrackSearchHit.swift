/// One answer of `Catalog.searchTracks`: a track and how it matched the query.
public struct TrackSearchHit: Sendable, Equatable {
    public var track: Track
    /// A field of the track contains the query (case-insensitive).
    public var isExact: Bool
    /// 1 for an exact hit; for a near miss, how near the track comes to containing every word
    /// of the query (1 − edits needed / letters of the query).
    public var relevance: Double
    /// Where the query sits in the track's fields, for ordering hits of the same kind.
    var rank: TrackSearchRank

    /// The least relevance of a near miss: a typo in every five letters passes ("beatels" for
    /// "beatles", a swap, is two edits in seven letters: 0.71); a word sharing only a syllable
    /// does not ("beatels" in "beat it": 0.57).
    public static let nearMissThreshold = 0.6
}

/// Orders tracks that contain the query: how the best field matches, which field, then
/// shorter titles and lower ids first.
struct TrackSearchRank: Sendable, Comparable {
    enum Position: Int, Sendable {
        /// The whole field is the query.
        case equal
        case prefix
        /// Right after a space or punctuation.
        case wordStart
        case inside
        case absent
    }

    var position: Position
    /// 0 title, 1 artist, 2 album.
    var field: Int
    var titleLength: Int
    var id: Int64

    static func < (a: Self, b: Self) -> Bool {
        if a.position != b.position { return a.position.rawValue < b.position.rawValue }
        if a.field != b.field { return a.field < b.field }
        if a.titleLength != b.titleLength { return a.titleLength < b.titleLength }
        return a.id < b.id
    }
}
