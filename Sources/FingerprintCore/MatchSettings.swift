/// When a query's best candidate is reported as a match, and what comes with it.
public struct MatchSettings: Sendable, Equatable {
    /// Minimum significance (−log10 of the chance bound, `ChanceModel`): 5 means chance
    /// produces such a peak for fewer than one query in 100,000, across the whole catalog.
    public var minSignificance = 5.0
    /// However unlikely, fewer aligned hashes than this are not trusted: the chance model
    /// assumes independent hashes, which a handful of hits cannot check.
    public var minAligned = 6
    /// The best must also stand out from its rival, the most query frames another track aligns
    /// that the best does not: `aligned ≥ runnerUpFactor · rival + runnerUpMargin`. The chance
    /// model assumes independent events; music is not independent (a shared drum kit at one
    /// tempo, the same sampled instrument holding the same chord), so a query of a song not in
    /// the catalog can climb on several tracks that share its sounds, where a true match
    /// towers over all others. Another copy of the same recording aligns the same frames, so it
    /// is no rival and duplicates in the catalog do not hide a match. Measured on the rendered
    /// corpus in docs/recognition.md.
    public var runnerUpFactor = 2.0
    public var runnerUpMargin = 5
    /// Offsets within ±`offsetTolerance` frames of the peak count as aligned: a query that
    /// starts between two reference frames puts its hashes in two neighbouring bins.
    public var offsetTolerance = 1
    /// Candidates returned (best first), whether significant or not.
    public var candidateCount = 5
    /// Top bins of a candidate's offset histogram returned with it (the "why" of a match).
    public var histogramBins = 8
    /// Hashes with more postings than this are skipped at query time: a hash that common says
    /// nothing about which track it is and costs a query more than all others together.
    public var maxPostingsPerHash = 50_000

    public init() {}

    public static let standard = MatchSettings()

    /// Whether a candidate is a match under these settings.
    public func accepts(_ c: FingerprintCandidate) -> Bool {
        c.significance >= minSignificance && c.alignedHashes >= minAligned
            && Double(c.alignedHashes) >= runnerUpFactor * Double(c.runnerUpAligned) + Double(runnerUpMargin)
    }
}

/// One bin of a candidate's histogram of `track frame − query frame`.
public struct OffsetBin: Sendable, Equatable {
    public var offset: Int
    /// Distinct query anchor frames that put a hit at this offset.
    public var count: Int

    public init(offset: Int, count: Int) {
        self.offset = offset
        self.count = count
    }
}

/// A catalog track scored against a query.
public struct FingerprintCandidate: Sendable, Equatable {
    public var id: Int64
    /// Where in the track the query starts, in frames (refined to a fraction of a frame by
    /// the counts of the bins around the peak).
    public var offsetFrames: Double
    /// Distinct query anchor frames whose hashes align at the peak (within the tolerance).
    public var alignedHashes: Int
    /// For the best candidate: the most query frames another candidate aligns that this one
    /// does not (its rival); 0 for the others.
    public var runnerUpAligned: Int
    /// Distinct query anchor frames with a hash anywhere in the track.
    public var trackHashes: Int
    /// Aligned hashes chance alone gives one window (`ChanceModel`).
    public var expectedAligned: Double
    /// −log10 of the chance bound: the score of a match.
    public var significance: Double
    /// The top bins of the offset histogram, highest first.
    public var histogram: [OffsetBin]
    /// First and last query frame of an aligned hash: the part of the query that matched.
    public var queryFirstFrame: Int
    public var queryLastFrame: Int
}

/// The answer to one query: the match (when the best candidate is significant) and the
/// candidates it was chosen from.
public struct FingerprintQueryResult: Sendable, Equatable {
    public var queryLandmarks: Int
    public var queryFrames: Int
    public var candidates: [FingerprintCandidate]
    public var match: FingerprintCandidate?
}
