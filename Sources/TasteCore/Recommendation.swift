/// One recommended track and the anchor it is near.
public struct Recommendation: Sendable, Equatable {
    public var trackID: Int64
    /// Soft-top-k relevance to the anchors (cosine units, at most 1), rounded to 3 decimals.
    public var score: Double
    /// The anchor with the highest cosine to this track.
    public var anchor: Anchor
    /// That cosine, rounded to 3 decimals.
    public var anchorSimilarity: Double

    public init(trackID: Int64, score: Double, anchor: Anchor, anchorSimilarity: Double) {
        self.trackID = trackID
        self.score = score
        self.anchor = anchor
        self.anchorSimilarity = anchorSimilarity
    }

    /// "near your seed “Bossa Nova 2 – WaveDefect Demo Band” (cosine 0.912)".
    public func why(_ tracks: TrackDirectory) -> String {
        let what: String
        switch anchor.source {
        case .seed: what = "your seed"
        case .thumb: what = "a track you liked,"
        case .profile, .spotifyTop, .hostProfile: what = "your profile track"
        default: what = "your \(anchor.source.rawValue) track"
        }
        return "near \(what) “\(tracks[anchor.trackID].displayName)” (cosine \(anchorSimilarity))"
    }
}

/// The recommender's two knobs, each 0…1.
public struct Knobs: Sendable, Equatable {
    /// 0: one tight pocket (the most-liked one); 1: every liked pocket alike.
    public var breadth: Double
    /// 0: the most familiar (highest relevance, MMR off); 1: novel (MMR at its strongest, a
    /// deeper candidate pool).
    public var explore: Double

    public init(breadth: Double = 0.5, explore: Double = 0.3) {
        self.breadth = min(1, max(0, breadth))
        self.explore = min(1, max(0, explore))
    }
}
