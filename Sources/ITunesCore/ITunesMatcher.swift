import TrackText

/// The documented rule that picks which iTunes search result is the wanted track
/// (docs/itunes.md#the-match-rule). Pure and deterministic.
///
/// Each result with a preview is scored from three similarities in 0...1:
/// - **title**: `MatchText.similarity` of the normalized titles;
/// - **artist**: 1 when a wanted artist's normalized name equals the result's or appears in
///   it as whole words ("Daft Punk" in "Daft Punk & Pharrell Williams"), else the best
///   similarity over the wanted artists;
/// - **duration**: 1 within `durationToleranceSeconds`, falling linearly to 0 at
///   `durationLimitSeconds` apart; 0.5 when either side has no duration.
///
/// score = `titleWeight`·title + `artistWeight`·artist + `durationWeight`·duration. The
/// highest score wins (the earlier result on a tie: iTunes orders by relevance), provided
/// title ≥ `minimumTitle`, artist ≥ `minimumArtist` and score ≥ `threshold`; otherwise
/// nothing is picked, never a guess.
public struct ITunesMatcher: Sendable, Equatable {
    public var titleWeight = 0.55
    public var artistWeight = 0.35
    public var durationWeight = 0.10
    public var minimumTitle = 0.6
    public var minimumArtist = 0.5
    public var threshold = 0.8
    public var durationToleranceSeconds = 2.0
    public var durationLimitSeconds = 20.0

    public init() {}

    public struct Score: Sendable, Equatable {
        public var title: Double
        public var artist: Double
        public var duration: Double
        public var total: Double

        public init(title: Double, artist: Double, duration: Double, total: Double) {
            self.title = title
            self.artist = artist
            self.duration = duration
            self.total = total
        }
    }

    public struct Match: Sendable, Equatable {
        public var track: ITunesTrack
        public var score: Score
        /// Position of the pick in the search answer.
        public var rank: Int
    }

    public func score(_ wanted: WantedTrack, _ candidate: ITunesTrack) -> Score {
        let title = MatchText.similarity(MatchText.normalizeTitle(wanted.title), MatchText.normalizeTitle(candidate.name))
        let artist = artistSimilarity(wanted.artists, candidate.artist)
        let duration = durationCloseness(wanted.durationMilliseconds, candidate.durationMilliseconds)
        let total = titleWeight * title + artistWeight * artist + durationWeight * duration
        return Score(title: title, artist: artist, duration: duration, total: total)
    }

    /// The best acceptable candidate, or nil.
    public func pick(_ wanted: WantedTrack, among candidates: [ITunesTrack]) -> Match? {
        var best: Match?
        for (rank, candidate) in candidates.enumerated() where candidate.previewURL != nil {
            let s = score(wanted, candidate)
            guard s.title >= minimumTitle, s.artist >= minimumArtist, s.total >= threshold else { continue }
            if best == nil || s.total > best!.score.total { best = Match(track: candidate, score: s, rank: rank) }
        }
        return best
    }

    func artistSimilarity(_ wanted: [String], _ candidate: String) -> Double {
        let c = MatchText.normalizeArtist(candidate)
        var best = 0.0
        for artist in wanted {
            let a = MatchText.normalizeArtist(artist)
            if !a.isEmpty && (a == c || MatchText.containsWords(c, a)) { return 1 }
            best = max(best, MatchText.similarity(a, c))
        }
        return best
    }

    func durationCloseness(_ a: Int?, _ b: Int?) -> Double {
        guard let a, let b else { return 0.5 }
        let apart = Double(abs(a - b)) / 1000
        if apart <= durationToleranceSeconds { return 1 }
        if apart >= durationLimitSeconds { return 0 }
        return (durationLimitSeconds - apart) / (durationLimitSeconds - durationToleranceSeconds)
    }
}
