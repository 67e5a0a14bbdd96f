import Testing
import VectorSearch

/// Deterministic pseudo-random numbers for test data.
struct TestRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Double(state >> 40) / Double(1 << 24)) * 2 - 1
    }
    mutating func vector(_ d: Int) -> [Float] { (0..<d).map { _ in next() } }
}

/// Brute force in Double: the reference the index must agree with.
func bruteForce(_ vectors: [[Float]], query: [Float], k: Int, excluded: Set<Int> = []) -> [(Int, Double)] {
    func unit(_ v: [Float]) -> [Double] {
        let n = v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return v.map { n > 0 ? Double($0) / n : 0 }
    }
    let q = unit(query)
    return vectors.enumerated().filter { !excluded.contains($0.offset) }
        .map { ($0.offset, zip(unit($0.element), q).reduce(0.0) { $0 + $1.0 * $1.1 }) }
        .sorted { $0.1 > $1.1 }.prefix(k).map { $0 }
}

@Suite struct VectorSearchTests {
    @Test(arguments: [(1003, 40), (517, 1024), (33, 3), (16, 2), (1, 7)])
    func exactScanAgreesWithBruteForce(_ shape: (Int, Int)) {
        let (n, d) = shape
        var rng = TestRandom(UInt64(n * 31 + d))
        let vectors = (0..<n).map { _ in rng.vector(d) }
        let index = VectorIndex(dimension: d, ids: (0..<n).map { Int64($0) * 10 }, vectors: vectors.flatMap { $0 }, standardize: false)
        for _ in 0..<5 {
            let query = rng.vector(d)
            let expected = bruteForce(vectors, query: query, k: 10)
            for options in [VectorIndex.ScanOptions.singleThread, VectorIndex.ScanOptions(maxThreads: 2, parallelThreshold: 0)] {
                let got = index.nearest(to: index.prepare(query), k: 10, options: options)
                #expect(got.map(\.row) == expected.map(\.0))
                for (g, e) in zip(got, expected) { #expect(abs(Double(g.score) - e.1) < 1e-5) }
            }
            let all = index.scores(for: index.prepare(query))
            let reference = bruteForce(vectors, query: query, k: n).sorted { $0.0 < $1.0 }
            #expect(zip(all, reference).allSatisfy { abs(Double($0) - $1.1) < 1e-5 })
        }
    }

    /// Four unit vectors in the xy plane: x spreads 0.68, y 0.16 (around 0.4), z not at all, so
    /// the map's x is the first axis and its y the second, scaled so the farthest is ±1.
    @Test func planeProjectionPutsTheWidestSpreadAlongX() {
        let index = VectorIndex(dimension: 3, ids: [10, 11, 12, 13], vectors: [1, 0, 0, -1, 0, 0, 0.6, 0.8, 0, -0.6, 0.8, 0], standardize: false)
        let map = index.planeProjection()
        let expected: [(Int64, Double, Double)] = [(10, 1, -0.4), (11, -1, -0.4), (12, 0.6, 0.4), (13, -0.6, 0.4)]
        #expect(map.points.count == 4)
        for (point, (id, x, y)) in zip(map.points, expected) {
            #expect(point.id == id && abs(point.x - x) < 1e-6 && abs(point.y - y) < 1e-6, "\(point)")
        }
        #expect(abs(map.explained.x - 0.68 / 0.84) < 1e-6 && abs(map.explained.y - 0.16 / 0.84) < 1e-6)
        #expect(VectorIndex(dimension: 3, standardize: false).planeProjection().points.isEmpty)
        let single = VectorIndex(dimension: 2, ids: [7], vectors: [3, 4], standardize: false).planeProjection()
        #expect(single.points == [.init(id: 7, x: 0, y: 0)] && single.explained == (0, 0))
    }

    @Test func excludedIdsNeverAppearAndSmallCatalogsReturnEverythingElse() {
        var rng = TestRandom(7)
        let vectors = (0..<50).map { _ in rng.vector(8) }
        let index = VectorIndex(dimension: 8, ids: (0..<50).map(Int64.init), vectors: vectors.flatMap { $0 }, standardize: false)
        let query = rng.vector(8)
        let top = bruteForce(vectors, query: query, k: 5).map { Int64($0.0) }
        let got = index.nearest(to: index.prepare(query), k: 100, excluding: Set(top))
        #expect(got.count == 45)
        #expect(Set(got.map { Int64($0.row) }).isDisjoint(with: top))
        #expect(got.map(\.row) == bruteForce(vectors, query: query, k: 100, excluded: Set(top.map { Int($0) })).map(\.0))
    }

    @Test func topKKeepsTheBestInOrderWithDeterministicTies() {
        var rng = TestRandom(3)
        var top = TopK(k: 7)
        var all: [(Int, Float)] = []
        for row in 0..<500 {
            let score = (rng.next() * 20).rounded() / 20  // many ties
            all.append((row, score))
            top.insert(score: score, row: row)
        }
        let expected = all.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(7)
        #expect(top.sorted().map(\.row) == expected.map(\.0))
    }

    @Test func standardizationIsLearnedPerDimension() {
        // Rows (1, 10, 5), (3, 30, 5): mean (2, 20, 5), population std (1, 10, 0).
        let s = Standardization(learningFrom: [1, 10, 5, 3, 30, 5], dimension: 3)
        #expect(s.mean == [2, 20, 5])
        #expect(s.inverseScale == [1, 0.1, 1])  // a constant dimension keeps scale 1
        #expect(s.apply([3, 30, 5]) == [1, 1, 0])
        #expect(Standardization(learningFrom: [4, 4], dimension: 2).inverseScale == [1, 1])  // one row: identity
    }

    @Test func standardizationStopsALoudDimensionFromDominatingCosine() {
        // Dimension 0 is a large, nearly constant offset (like MFCC c0); dimensions 1–2 carry
        // the differences. Raw cosine calls everything ~1; standardized cosine finds the twin.
        let rows: [[Float]] = [[-300, 1, 0], [-301, 0.9, 0.1], [-299, -1, 0], [-300.5, 0, 1], [-299.5, 0, -1]]
        let ids: [Int64] = [1, 2, 3, 4, 5]
        let raw = VectorIndex(dimension: 3, ids: ids, vectors: rows.flatMap { $0 }, standardize: false)
        let standardized = VectorIndex(dimension: 3, ids: ids, vectors: rows.flatMap { $0 }, standardize: true)
        let rawScores = raw.scores(for: raw.prepare(rows[0]))
        #expect(rawScores.allSatisfy { $0 > 0.99 })
        let nearest = standardized.nearest(to: standardized.prepare(rows[0]), k: 2, excluding: [1])
        #expect(standardized.ids[nearest[0].row] == 2)
        #expect(nearest[0].score > 0.5 && nearest[1].score < 0.3)
    }

    @Test func anIndexFilledByUpsertsLearnsItsStandardizationAsItGrows() {
        var rng = TestRandom(5)
        let rows = (0..<16).map { _ in [rng.next() * 300 - 200] + rng.vector(3) }
        var grown = VectorIndex(dimension: 4, standardize: true)
        #expect(grown.standardization == Standardization(mean: [0, 0, 0, 0], inverseScale: [1, 1, 1, 1]))
        for (i, row) in rows.enumerated() { grown.upsert(id: Int64(i), vector: row) }
        // Re-learned at 8 and at 16 rows: now the same as an index built from all 16 at once.
        let bulk = VectorIndex(dimension: 4, ids: (0..<16).map(Int64.init), vectors: rows.flatMap { $0 }, standardize: true)
        #expect(grown.standardization == bulk.standardization)
        #expect((0..<16).allSatisfy { grown.unitVector(row: $0) == bulk.unitVector(row: $0) })
    }

    @Test func upsertAndRemoveKeepTheIndexConsistent() {
        var rng = TestRandom(11)
        let vectors = (0..<40).map { _ in rng.vector(5) }
        var index = VectorIndex(dimension: 5, ids: (0..<40).map(Int64.init), vectors: vectors.flatMap { $0 }, standardize: false)
        index.remove(id: 3)
        index.remove(id: 39)
        index.remove(id: 1000)  // absent: no-op
        let keep = (0..<40).filter { $0 != 3 && $0 != 39 }
        let rebuilt = VectorIndex(dimension: 5, ids: keep.map(Int64.init), vectors: keep.flatMap { vectors[$0] }, standardize: false)
        let query = index.prepare(rng.vector(5))
        #expect(index.count == 38 && !index.contains(id: 3))
        let a = index.nearest(to: query, k: 38).map { index.ids[$0.row] }
        let b = rebuilt.nearest(to: query, k: 38).map { rebuilt.ids[$0.row] }
        #expect(a == b)
        let replacement = rng.vector(5)
        index.upsert(id: 7, vector: replacement)
        index.upsert(id: 99, vector: vectors[0])
        #expect(index.count == 39)
        #expect(index.nearest(to: index.prepare(replacement), k: 1).map { index.ids[$0.row] } == [7])
        #expect(index.unitVector(id: 99) == index.unitVector(id: 0))
    }
}
