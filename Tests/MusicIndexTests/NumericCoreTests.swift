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

    /// Six 3-D rows with numpy's answer (`np.linalg.eigh` of `np.cov(X.T, ddof=0)`, columns
    /// sign-fixed so the largest entry is positive), to 1e-9.
    @Test func principalComponentsMatchNumpy() {
        let x: [Float] = [2, 0, 1, 0, 1, 3, 4, 2, -1, 1, 5, 2, 3, 3, 0, -1, 2, 2]
        let pca = PrincipalComponents(x, rows: 6, columns: 3, count: 2)
        func close(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-9 } }
        #expect(close(pca.mean, [1.5, 2.166666666667, 1.166666666667]))
        #expect(close(pca.variances, [4.520610388383, 2.469222886839]))
        #expect(abs(pca.totalVariance - 7.194444444444) < 1e-9)
        #expect(close(pca.components[0], [0.792502737404, 0.040492959868, -0.608522580854]))
        #expect(close(pca.components[1], [-0.024383954988, 0.999099324974, 0.034726957485]))
        let projected = pca.project(x, rows: 6)
        #expect(close(projected, [
            0.409937052462, -2.182695007851, -2.351620624184, -1.065373857931, 3.292973608714, -0.30271818285,
            -0.788623466453, 2.871912529491, 1.932441250325, 0.755492054597, -2.495107820865, -0.076617535455,
        ]))
    }

    /// Degenerate inputs: one row has no spread (variance 0, projection 0); rows on a line
    /// have one component and nothing along the second.
    @Test func principalComponentsOfDegenerateData() {
        let one = PrincipalComponents([3, 4], rows: 1, columns: 2, count: 2)
        #expect(one.variances == [0, 0] && one.totalVariance == 0)
        #expect(one.project([3, 4], rows: 1) == [0, 0])
        // (t, 2t): the line's direction is (1, 2)/√5; variance of t·√5 over t = 0, 1, 2, 3.
        let line = PrincipalComponents([0, 0, 1, 2, 2, 4, 3, 6], rows: 4, columns: 2, count: 2)
        #expect(abs(line.components[0][0] - 1 / 5.0.squareRoot()) < 1e-9 && abs(line.components[0][1] - 2 / 5.0.squareRoot()) < 1e-9)
        #expect(abs(line.variances[0] - 1.25 * 5) < 1e-9)
        #expect(abs(line.variances[1]) < 1e-12)
        let empty = PrincipalComponents([], rows: 0, columns: 3, count: 2)
        #expect(empty.variances == [0, 0])
    }
}
