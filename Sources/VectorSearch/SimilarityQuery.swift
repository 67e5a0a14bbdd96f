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
    /// Two results whose cosine (in the index's space) is at or above this are the same music —
    /// a re-release, a re-encode — and only the better-ranked one is kept. nil disables it.
    public var duplicateThreshold: Float?
    /// Ids never returned. Seed tracks are always excluded as well.
    public var excluded: Set<Int64>
    /// How many nearest candidates re-ranking and de-duplication choose from, as a multiple of
    /// `k` (at least `minimumPool`).
    public var poolFactor: Int
    public var minimumPool: Int

    public init(
        seeds: [Seed], k: Int = 10, mmrLambda: Double? = nil, duplicateThreshold: Float? = 0.95,
        excluded: Set<Int64> = [], poolFactor: Int = 10, minimumPool: Int = 100
    ) {
        self.seeds = seeds
        self.k = k
        self.mmrLambda = mmrLambda
        self.duplicateThreshold = duplicateThreshold
        self.excluded = excluded
        self.poolFactor = poolFactor
        self.minimumPool = minimumPool
    }
}
