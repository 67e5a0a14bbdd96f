import Testing
import VectorSearch

/// Search semantics on small hand-built catalogs where the right answer is obvious.
@Suite struct SimilaritySearchTests {
    static func index(_ rows: [Int64: [Float]]) -> VectorIndex {
        let ids = rows.keys.sorted()
        return VectorIndex(dimension: rows.first!.value.count, ids: ids, vectors: ids.flatMap { rows[$0]! }, standardize: false)
    }

    @Test func aSingleSeedIsNeverInItsOwnResults() throws {
        let index = Self.index([1: [1, 0, 0], 2: [0.9, 0.1, 0], 3: [0, 1, 0]])
        let results = try index.search(SimilarityQuery(seeds: [.track(1)], k: 5))
        #expect(results.map(\.id) == [2, 3])
        #expect(results[0].nearestSeed == 0 && abs(results[0].seedSimilarity - results[0].score) < 1e-6)
        #expect(results[0].why(seedCount: 1).contains("cosine"))
    }

    @Test func severalSeedsSearchAroundTheirCentroid() throws {
        // Seeds on the x and y axes; the track on the diagonal is the throughline.
        let index = Self.index([
            1: [1, 0, 0], 2: [0, 1, 0], 10: [0.7, 0.7, 0.1], 11: [1, 0.05, 0], 12: [0.05, 1, 0.1], 13: [0, 0, 1],
        ])
        let results = try index.search(SimilarityQuery(seeds: [.track(1), .track(2)], k: 4, duplicateThreshold: nil))
        #expect(results.first?.id == 10)
        #expect(!results.contains { $0.id == 1 || $0.id == 2 })
        #expect(results.last?.id == 13)
        // "why" names the seed each result is nearest to.
        #expect(results.first { $0.id == 11 }?.nearestSeed == 0)
        #expect(results.first { $0.id == 12 }?.nearestSeed == 1)
        #expect(results[0].why(seedCount: 2).hasPrefix("closest to seed"))
    }

    @Test func aVectorSeedFindsItsNearTwinFirst() throws {
        let index = Self.index([1: [1, 0.2, 0.1], 2: [0.2, 1, 0], 3: [0, 0.3, 1]])
        let results = try index.search(SimilarityQuery(seeds: [.vector([0.2, 1.001, 0.001])], k: 3))
        #expect(results.first?.id == 2)
        #expect(results.first!.score > 0.999)
    }

    @Test func mmrTradesSimilarityForDiversity() throws {
        // Three almost-identical close tracks (10, 11, 12) and one different, slightly less
        // close track (20). Plain ranking lists the cluster first; MMR brings 20 up to second.
        let index = Self.index([
            1: [1, 0, 0], 10: [0.95, 0.3, 0], 11: [0.95, 0.31, 0.01], 12: [0.95, 0.29, -0.01], 20: [0.9, 0, 0.43],
        ])
        let plain = try index.search(SimilarityQuery(seeds: [.track(1)], k: 3, duplicateThreshold: nil))
        #expect(Set(plain.map(\.id)) == [10, 11, 12])
        let diverse = try index.search(SimilarityQuery(seeds: [.track(1)], k: 3, mmrLambda: 0.5, duplicateThreshold: nil))
        #expect(diverse.map(\.id).prefix(2) == [plain[0].id, 20])
        let pure = try index.search(SimilarityQuery(seeds: [.track(1)], k: 3, mmrLambda: 1, duplicateThreshold: nil))
        #expect(pure.map(\.id) == plain.map(\.id))
    }

    @Test func nearDuplicatesCollapseIntoTheBestRankedCopy() throws {
        let index = Self.index([1: [1, 0, 0], 10: [0.9, 0.4, 0], 11: [0.9, 0.401, 0.001], 20: [0.5, 0, 0.8]])
        let collapsed = try index.search(SimilarityQuery(seeds: [.track(1)], k: 3, duplicateThreshold: 0.99))
        #expect(collapsed.map(\.id) == [10, 20])
        #expect(collapsed[0].duplicates == [11])
        #expect(collapsed[0].why(seedCount: 1).contains("1 near-duplicate collapsed"))
        let kept = try index.search(SimilarityQuery(seeds: [.track(1)], k: 3, duplicateThreshold: nil))
        #expect(kept.map(\.id) == [10, 11, 20])
    }

    @Test func explicitExclusionsAreHonoured() throws {
        let index = Self.index([1: [1, 0], 2: [0.9, 0.1], 3: [0.8, 0.2], 4: [0, 1]])
        let results = try index.search(SimilarityQuery(seeds: [.track(1)], k: 2, excluded: [2]))
        #expect(results.map(\.id) == [3, 4])
    }

    @Test func badQueriesAreRefused() {
        let index = Self.index([1: [1, 0], 2: [0, 1]])
        #expect(throws: SearchError.noSeeds) { try index.search(SimilarityQuery(seeds: [])) }
        #expect(throws: SearchError.unknownSeedTrack(9)) { try index.search(SimilarityQuery(seeds: [.track(9)])) }
        #expect(throws: SearchError.seedDimension(expected: 2, got: 3)) { try index.search(SimilarityQuery(seeds: [.vector([1, 2, 3])])) }
        #expect(throws: SearchError.seedsCancelOut) { try index.search(SimilarityQuery(seeds: [.vector([1, 0]), .vector([-1, 0])])) }
        #expect(throws: SearchError.invalidLambda(1.5)) { try index.search(SimilarityQuery(seeds: [.track(1)], mmrLambda: 1.5)) }
    }

    @Test func pickIsPureGreedyMMR() {
        // Candidates in score order; 0 and 1 identical, 2 orthogonal to both.
        let vectors: [[Float]] = [[1, 0], [1, 0], [0, 1]]
        let picked = VectorIndex.pick(scores: [0.9, 0.89, 0.5], vectors: vectors, k: 2, lambda: 0.5, duplicateThreshold: nil)
        // MMR: after picking 0, candidate 1 scores 0.5·0.89 − 0.5·1 < 0.5·0.5 − 0.
        #expect(picked.map(\.index) == [0, 2])
        let deduplicated = VectorIndex.pick(scores: [0.9, 0.89, 0.5], vectors: vectors, k: 3, lambda: nil, duplicateThreshold: 0.99)
        #expect(deduplicated.map(\.index) == [0, 2] && deduplicated[0].duplicates == [1])
    }
}
