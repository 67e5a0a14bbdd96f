import Foundation
import NumericCore
import Testing

@testable import FingerprintCore

@Suite struct MatchingTests {
    static func randomTrack(_ rng: inout SplitMix64, frames: Int, count: Int) -> [Landmark] {
        (0..<count).map { _ in Landmark(hash: UInt32(rng.next() % UInt64(Landmark.hashCount)), time: UInt32(rng.next() % UInt64(frames))) }
    }

    @Test func theOffsetHistogramPeaksAtTheQuerysPlaceInTheTrack() {
        let a: [Landmark] = [.init(hash: 10, time: 100), .init(hash: 11, time: 101), .init(hash: 12, time: 105), .init(hash: 10, time: 300)]
        let b: [Landmark] = [.init(hash: 10, time: 5), .init(hash: 99, time: 6)]
        let index = FingerprintIndex(tracks: [(1, 400, a), (2, 50, b)])
        #expect(index.occurrences(of: 10).map { [$0.id, Int64($0.time)] } == [[1, 100], [1, 300], [2, 5]])
        #expect(index.occurrences(of: 13).isEmpty)
        // The query is track 1 from frame 98: its frames are the track's minus 98.
        let query: [Landmark] = [.init(hash: 10, time: 2), .init(hash: 11, time: 3), .init(hash: 12, time: 7)]
        var settings = MatchSettings()
        settings.offsetTolerance = 0
        let result = index.query(query, queryFrames: 10, settings: settings)
        let best = result.candidates[0]
        #expect(best.id == 1)
        #expect(best.offsetFrames == 98)
        #expect(best.alignedHashes == 3)
        #expect(best.trackHashes == 3)
        #expect(best.histogram == [OffsetBin(offset: 98, count: 3), OffsetBin(offset: 298, count: 1)])
        #expect(best.queryFirstFrame == 2 && best.queryLastFrame == 7)
        // Three hashes are too few to be a match, however unlikely by chance.
        #expect(result.match == nil)
        #expect(result.candidates[1].id == 2 && result.candidates[1].alignedHashes == 1)
    }

    @Test func neighbouringOffsetBinsCountTogetherWithinTheTolerance() {
        let track: [Landmark] = (0..<10).map { (i: Int) -> Landmark in Landmark(hash: UInt32(1000 + i), time: UInt32(50 + 3 * i)) }
        let index = FingerprintIndex(tracks: [(4, 200, track)])
        // Half the query's hashes land one frame later than the others.
        let query = (0..<10).map { (i: Int) -> Landmark in
            let time = 3 * i + i % 2
            return Landmark(hash: UInt32(1000 + i), time: UInt32(time))
        }
        let result = index.query(query, queryFrames: 40)
        #expect(result.candidates[0].alignedHashes == 10)
        #expect(abs(result.candidates[0].offsetFrames - 49.5) < 1e-9)
    }

    @Test func poissonTailMatchesClosedForms() {
        #expect(abs(ChanceModel.log10PoissonTail(atLeast: 1, mean: 1) - log10(1 - exp(-1))) < 1e-12)
        #expect(abs(ChanceModel.log10PoissonTail(atLeast: 3, mean: 0.5) - log10(1 - exp(-0.5) * 1.625)) < 1e-9)
        // Far in the tail: dominated by the first term e^{−μ} μ^k / k!.
        let k = 40, mean = 2.0
        let firstTerm = (-mean + Double(k) * log(mean) - lgamma(Double(k) + 1)) / M_LN10
        #expect(abs(ChanceModel.log10PoissonTail(atLeast: k, mean: mean) - firstTerm) < 0.03)
        #expect(ChanceModel.log10PoissonTail(atLeast: 0, mean: 3) == 0)
        #expect(ChanceModel.significance(aligned: 2, expected: 5, windows: 100, tracks: 10) == 0)
        // 10 windows and 10 tracks cost two orders of magnitude.
        let alone = ChanceModel.significance(aligned: 20, expected: 1, windows: 1, tracks: 1)
        #expect(abs(ChanceModel.significance(aligned: 20, expected: 1, windows: 10, tracks: 10) - (alone - 2)) < 1e-9)
    }

    @Test func randomQueriesAgainstRandomTracksAreNeverSignificant() {
        var rng = SplitMix64(seed: 42)
        let tracks = (0..<60).map { i in (Int64(i + 1), 20_000, Self.randomTrack(&rng, frames: 20_000, count: 20_000)) }
        let index = FingerprintIndex(tracks: tracks)
        var worst = 0.0
        for _ in 0..<30 {
            let query = Self.randomTrack(&rng, frames: 430, count: 600)
            let result = index.query(query, queryFrames: 430)
            #expect(result.match == nil)
            worst = max(worst, result.candidates.first?.significance ?? 0)
        }
        #expect(worst < 2, "chance reached significance \(worst)")
        // The same-sized query cut from track 17 (with half its hashes lost) is found at once.
        let source = tracks[16].2.filter { $0.time >= 5_000 && $0.time < 5_430 }.enumerated().filter { $0.offset % 2 == 0 }
        let query = source.map { Landmark(hash: $0.element.hash, time: $0.element.time - 5_000) } + Self.randomTrack(&rng, frames: 430, count: 300)
        let match = index.query(query, queryFrames: 430).match
        #expect(match?.id == 17)
        #expect(match.map { abs($0.offsetFrames - 5_000) < 1 } == true)
        #expect((match?.significance ?? 0) > 50)
    }

    @Test func windowMatchesOfOneTrackMergeIntoOneSegment() {
        func candidate(_ id: Int64, offset: Double, first: Int, last: Int) -> FingerprintCandidate {
            FingerprintCandidate(
                id: id, offsetFrames: offset, alignedHashes: 50, runnerUpAligned: 5, trackHashes: 60, expectedAligned: 1, significance: 20, histogram: [],
                queryFirstFrame: first, queryLastFrame: last)
        }
        var timeline = MatchTimeline(alignmentTolerance: 10, maxGap: 1_000)
        // Track 3 from recording frame 0 (track frame 200), seen by windows at 0 and 430.
        timeline.add(windowStart: 0, match: candidate(3, offset: 200, first: 5, last: 850))
        timeline.add(windowStart: 430, match: candidate(3, offset: 632, first: 0, last: 800))
        // Then track 9, then track 3 again but from elsewhere in it: a new segment.
        timeline.add(windowStart: 1_290, match: candidate(9, offset: 0, first: 10, last: 840))
        timeline.add(windowStart: 2_150, match: candidate(3, offset: 0, first: 0, last: 860))
        #expect(timeline.segments.map(\.id) == [3, 9, 3])
        let first = timeline.segments[0]
        #expect(first.startFrame == 5 && first.endFrame == 1_230 && first.windows == 2)
        #expect(first.trackStartFrame == 205)
        // A window whose tail aligns with an earlier bar of the track it is still playing
        // extends that segment instead of starting another.
        timeline.add(windowStart: 2_580, match: candidate(3, offset: 900, first: 0, last: 500))
        #expect(timeline.segments.count == 3 && timeline.segments[2].endFrame == 3_080)
    }
}
