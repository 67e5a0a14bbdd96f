/// What to search for: one or more seeds, how many results, and how to diversify them.
public struct SimilarityQuery: Sendable {
    /// A seed is a catalog track (by id) or a raw vector (audio embedded on the fly).
    public enum Seed: Sendable, Equatable {
        case track(Int64)
        case vector([Float])
    }

    public var seeds: [Seed]
    public var k: Int
    /// MMR trade-off: 1 ranks by similarity alone, 0 by novelty alone. nil: plain ranking.
    public var mmrLambda: Double?
    /// The cosine rule: two results whose cosine (in the index's space) is at or above this
    /// are taken for one recording and only the better-ranked one is kept. Only for models
    /// where it was shown to separate recordings: on 40-D MFCC statistics a cosine of 0.95
    /// joins different songs of one style, so the default is nil and `sameRecording` decides.
    public var duplicateThreshold: Float?
    /// The fingerprint rule (docs/recognition.md#same-recording): a candidate within
    /// `candidateCosine` of a picked result is asked `test(picked, candidate)`, and folded
    /// into it when the two are one recording. nil: no fingerprint collapse.
    public var sameRecording: SameRecordingRule?
    /// Ids never returned. Seed tracks are always excluded as well.
    public var excluded: Set<Int64>
    /// How many nearest candidates re-ranking and de-duplication choose from, as a multiple of
    /// `k` (at least `minimumPool`).
    public var poolFactor: Int
    public var minimumPool: Int

    public init(
        seeds: [Seed], k: Int = 10, mmrLambda: Double? = nil, duplicateThreshold: Float? = nil,
        sameRecording: SameRecordingRule? = nil, excluded: Set<Int64> = [], poolFactor: Int = 10, minimumPool: Int = 100
    ) {
        self.sameRecording = sameRecording
        self.seeds = seeds
        self.k = k
        self.mmrLambda = mmrLambda
        self.duplicateThreshold = duplicateThreshold
        self.excluded = excluded
        self.poolFactor = poolFactor
        self.minimumPool = minimumPool
    }
}

/// Near-duplicate collapse by a test the caller supplies (fingerprint agreement, from
/// MusicRecognition's `SameRecordingCheck`), asked only of pairs whose cosine reaches
/// `candidateCosine`: copies of one recording embed almost alike, so the cosine is a cheap
/// necessary condition and the test, the decision. The cosine depends on the catalog the
/// index standardizes over (an MP3 of a demo track measured 0.94 to its original in a
/// 49-track catalog, other songs of its style 0.96), so the pre-filter is loose (0.5) and
/// `maxTests` bounds the work.
public struct SameRecordingRule: Sendable {
    public var candidateCosine: Float
    /// Tests one search may ask at most (each loads and compares two fingerprints); past it,
    /// candidates are kept rather than tested, so a crowd of look-alikes costs a bounded time.
    public var maxTests: Int
    public var test: @Sendable (_ picked: Int64, _ candidate: Int64) -> Bool

    public init(candidateCosine: Float = 0.5, maxTests: Int = 50, test: @escaping @Sendable (_ picked: Int64, _ candidate: Int64) -> Bool) {
        self.candidateCosine = candidateCosine
        self.maxTests = maxTests
        self.test = test
    }
}
