import Testing

@testable import FingerprintCore

@Suite struct LandmarkTests {
    @Test func hashPacksAnchorBinFrequencyStepAndTimeStep() {
        let hash = Landmark.hash(anchorBin: 200, binDelta: -5, timeDelta: 17)
        #expect(hash == UInt32(200) << 13 | UInt32(59) << 6 | 17)
        #expect(Landmark.unpack(hash) == (200, -5, 17))
        #expect(Landmark.unpack(Landmark.hash(anchorBin: 255, binDelta: 63, timeDelta: 63)) == (255, 63, 63))
        #expect(Landmark.unpack(Landmark.hash(anchorBin: 0, binDelta: -64, timeDelta: 1)) == (0, -64, 1))
        #expect(Landmark.hash(anchorBin: 255, binDelta: 63, timeDelta: 63) < UInt32(Landmark.hashCount))
    }
}
