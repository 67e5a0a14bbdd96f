import NumericCore
import Testing

@Suite struct NumericCoreTests {
    @Test func splitMix64MatchesTheReferenceSequence() {
        // The first outputs for seed 0 from Vigna's reference splitmix64.c.
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(rng.next() == 0x06C4_5D18_8009_454F)
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        #expect((0..<100).map { _ in a.nextUniform() } == (0..<100).map { _ in b.nextUniform() })
        #expect((0..<1000).allSatisfy { _ in (0..<1).contains(a.nextUniform()) })
    }

    @Test func columnStatisticsArePopulationMeanAndStd() {
        // Rows (1, 10), (2, 10), (3, 10), (6, 10): means 3 and 10, population stds √3.5 and 0.
        let s = ColumnStatistics([1, 10, 2, 10, 3, 10, 6, 10], rows: 4, columns: 2)
        #expect(s.mean == [3, 10])
        #expect(s.standardDeviation == [(3.5).squareRoot(), 0])
        #expect(ColumnStatistics([], rows: 0, columns: 3).mean == [0, 0, 0])
    }

    @Test func dotProductCoversTheSIMDBodyAndTheTail() {
        for count in [0, 1, 7, 8, 9, 16, 19] {
            let a = (0..<count).map { Float($0 + 1) }, b = (0..<count).map { Float(2 * $0 - 3) }
            let expected = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(dotProduct(a, b, count: count) == expected, "count \(count)")
        }
    }
}
