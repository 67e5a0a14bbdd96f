import NumericCore
import Testing

@testable import FingerprintCore

/// The same-recording rule of near-duplicate collapse (docs/recognition.md#same-recording).
@Suite struct RecordingAgreementTests {
    static func random(_ rng: inout SplitMix64, frames: Int, count: Int) -> [Landmark] {
        MatchingTests.randomTrack(&rng, frames: frames, count: count)
    }

    @Test func aCopyWithAnIntroAndLostLandmarksAgreesAtItsOffset() {
        var rng = SplitMix64(seed: 11)
        let original = Self.random(&rng, frames: 2_000, count: 4_000)
        // The copy: 37 frames of intro before the same music, and every third landmark lost
        // (a re-encode drops the weakest peaks).
        let copy = original.enumerated().filter { $0.offset % 3 != 0 }.map { Landmark(hash: $0.element.hash, time: $0.element.time + 37) }
        let a = RecordingAgreement.compare(original, frameCount: 2_000, copy, frameCount: 2_037)
        #expect(a.offsetFrames == 37)
        #expect(a.anchorFrames == Set(original.map(\.time)).count)
        // Frames that keep at least one of their landmarks agree.
        let kept = Set(original.enumerated().filter { $0.offset % 3 != 0 }.map(\.element.time))
        #expect(a.alignedFrames == kept.count)
        #expect(a.fraction > 0.6 && a.significance > 100)
        #expect(RecordingAgreement.Rule.standard.accepts(a))
        // Asked the other way round: the same agreement, the offset negated.
        let b = RecordingAgreement.compare(copy, frameCount: 2_037, original, frameCount: 2_000)
        #expect(b.offsetFrames == -37 && b.alignedFrames == a.alignedFrames)
    }

    @Test func twoDifferentTracksDoNotAgree() {
        var rng = SplitMix64(seed: 12)
        let one = Self.random(&rng, frames: 2_000, count: 4_000)
        let other = Self.random(&rng, frames: 2_000, count: 4_000)
        let a = RecordingAgreement.compare(one, frameCount: 2_000, other, frameCount: 2_000)
        #expect(a.alignedFrames <= 3)
        #expect(a.fraction < 0.01 && a.significance < 2)
        #expect(!RecordingAgreement.Rule.standard.accepts(a))
    }

    @Test func aShortEditInsideALongReleaseCountsAgainstTheShorterOne() {
        var rng = SplitMix64(seed: 13)
        let release = Self.random(&rng, frames: 4_000, count: 8_000)
        // The radio edit: frames 1000..<2000 of the release, from frame 0.
        let edit = release.filter { (1_000..<2_000).contains($0.time) }.map { Landmark(hash: $0.hash, time: $0.time - 1_000) }
        let a = RecordingAgreement.compare(release, frameCount: 4_000, edit, frameCount: 1_000)
        #expect(a.offsetFrames == -1_000)
        #expect(a.fraction == 1)
        #expect(RecordingAgreement.Rule.standard.accepts(a))
    }

    @Test func aFewSharedLandmarksAreNotEnough() {
        var rng = SplitMix64(seed: 14)
        let one = Self.random(&rng, frames: 2_000, count: 4_000)
        // About 15 % of the frames agree: significant, but under the 25 % a copy keeps.
        var other = Self.random(&rng, frames: 2_000, count: 3_700)
        other += one.prefix(300).map { Landmark(hash: $0.hash, time: $0.time + 5) }
        let a = RecordingAgreement.compare(one, frameCount: 2_000, other, frameCount: 2_005)
        #expect(a.offsetFrames == 5)
        #expect(a.significance > 10 && a.fraction < 0.25)
        #expect(!RecordingAgreement.Rule.standard.accepts(a))
    }
}
