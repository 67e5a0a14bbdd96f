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

/// One result: the track, how close it is, and why it was chosen.
public struct SearchResult: Sendable, Equatable {
    public var id: Int64
    /// Cosine similarity to the query (the seed, or the seeds' centroid) in the index's space.
    public var score: Float
    /// Index into `SimilarityQuery.seeds` of the seed this result is most similar to.
    public var nearestSeed: Int
    /// Cosine similarity to that seed.
    public var seedSimilarity: Float
    /// Ids of lower-ranked near-duplicates of this result that were folded into it.
    public var duplicates: [Int64]

    /// A short human explanation, e.g. "closest to seed 2 (0.91); centroid 0.87".
    public func why(seedCount: Int) -> String {
        let similarity = Self.format(seedSimilarity)
        var text =
            seedCount == 1
            ? "cosine \(similarity) to the seed"
            : "closest to seed \(nearestSeed + 1) of \(seedCount) (\(similarity)); centroid \(Self.format(score))"
        if !duplicates.isEmpty { text += "; \(duplicates.count) near-duplicate\(duplicates.count == 1 ? "" : "s") collapsed" }
        return text
    }

    static func format(_ x: Float) -> String {
        let scaled = (Double(x) * 1000).rounded() / 1000
        return String(scaled)
    }
}

/// Why a search could not run.
public enum SearchError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSeeds
    case unknownSeedTrack(Int64)
    case seedDimension(expected: Int, got: Int)
    /// The seeds point in opposite directions and their centroid is the zero vector.
    case seedsCancelOut
    case invalidLambda(Double)

    public var description: String {
        switch self {
        case .noSeeds: return "at least one seed is needed"
        case .unknownSeedTrack(let id): return "seed track \(id) has no vector in the index"
        case .seedDimension(let e, let g): return "seed vector has dimension \(g), the index has \(e)"
        case .seedsCancelOut: return "the seeds cancel out: their centroid is zero"
        case .invalidLambda(let l): return "MMR lambda must be between 0 and 1, got \(l)"
        }
    }
}
