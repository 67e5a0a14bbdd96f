import EventLoop
import Testing

/// Histograms recorded in several processes are merged into one distribution by
/// `bench cluster --connections`: the text form must carry every bucket, and a merge must
/// give the percentiles of all the samples together.
@Suite struct LatencyHistogramTests {
    @Test func theEncodedFormReadsBackBucketForBucket() throws {
        var h = LatencyHistogram()
        for v: UInt64 in [0, 7, 8, 1_000, 1_001, 250_000, 3_000_000_000] { h.record(v) }
        let back = try #require(LatencyHistogram(encoded: h.encoded))
        #expect(back.count == h.count)
        #expect(back.sum == h.sum)
        #expect(back.max == h.max)
        for q in [0.1, 0.3, 0.5, 0.7, 0.9, 1.0] { #expect(back.percentile(q) == h.percentile(q)) }
        #expect(LatencyHistogram(encoded: LatencyHistogram().encoded)?.count == 0)
        #expect(LatencyHistogram(encoded: "1 2 x:3") == nil)
        #expect(LatencyHistogram(encoded: "1 2 99999:3") == nil)
    }

    @Test func aMergeHasThePercentilesOfAllTheSamples() {
        // 90 fast samples in one process, 10 slow ones in another: p50 is fast, p95 slow,
        // which no combination of the two processes' own percentiles would say.
        var fast = LatencyHistogram(), slow = LatencyHistogram(), together = LatencyHistogram()
        for _ in 0..<90 { fast.record(1_000); together.record(1_000) }
        for _ in 0..<10 { slow.record(5_000_000); together.record(5_000_000) }
        var merged = fast
        merged.merge(slow)
        #expect(merged.count == 100)
        #expect(merged.max == 5_000_000)
        #expect(merged.sum == together.sum)
        for q in [0.5, 0.9, 0.95, 0.99] { #expect(merged.percentile(q) == together.percentile(q)) }
        #expect(merged.percentile(0.5) < 2_000)
        #expect(merged.percentile(0.95) > 4_000_000)
    }
}
