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
