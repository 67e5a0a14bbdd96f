import Testing

@testable import FingerprintCore

@Suite struct PeakPickerTests {
    /// A flat −20 dB spectrogram of `frames × bins` with `peaks` raised to the given dB.
    static func spectrum(frames: Int, bins: Int, peaks: [(t: Int, f: Int, db: Float)]) -> [Float] {
        var db = [Float](repeating: -20, count: frames * bins)
        for p in peaks { db[p.t * bins + p.f] = p.db }
        return db
    }

    var settings: FingerprintSettings {
        var s = FingerprintSettings()
        s.peakTimeRadius = 2
        s.peakFrequencyRadius = 3
        s.backgroundRadius = 8
        s.minProminence = 6
        s.floorDB = -40
        s.blockFrames = 10
        s.peaksPerBlock = 3
        return s
    }

    @Test func isolatedMaximaAreThePeaksSortedByTimeThenBin() {
        let db = Self.spectrum(frames: 20, bins: 32, peaks: [(3, 10, 10), (3, 20, 5), (12, 4, 0), (15, 30, 20)])
        let peaks = PeakPicker(settings: settings).peaks(db: db, frames: 20, bins: 32)
        #expect(peaks.map { [$0.time, $0.bin] } == [[3, 10], [3, 20], [12, 4], [15, 30]])
        // Prominence: height above the mean of the frame within ±8 bins (17 bins, one of them
        // the peak itself): 30 − 30/17.
        #expect(abs(peaks[0].prominence - (30 - 30 / 17)) < 1e-4)
    }

    @Test func aSmallerPeakInsideAnotherPeaksNeighbourhoodIsNotAPeak() {
        // (5, 12) is within ±2 frames and ±3 bins of the larger (6, 10); (9, 10) is 3 frames away.
        let db = Self.spectrum(frames: 20, bins: 32, peaks: [(6, 10, 10), (5, 12, 8), (9, 10, 8)])
        let peaks = PeakPicker(settings: settings).peaks(db: db, frames: 20, bins: 32)
        #expect(peaks.map { [$0.time, $0.bin] } == [[6, 10], [9, 10]])
    }

    @Test func peaksBelowTheFloorOrTheProminenceAreDropped() {
        var s = settings
        s.floorDB = -15
        // 3 dB above a flat background is not prominent; silence (all equal) has no peaks.
        let db = Self.spectrum(frames: 10, bins: 32, peaks: [(2, 5, -17), (5, 20, 30)])
        #expect(PeakPicker(settings: s).peaks(db: db, frames: 10, bins: 32).map(\.bin) == [20])
        let silence = [Float](repeating: -100, count: 10 * 32)
        #expect(PeakPicker(settings: settings).peaks(db: silence, frames: 10, bins: 32).isEmpty)
    }

    @Test func thinningKeepsTheMostProminentPeaksOfEachBlock() {
        let peaks = [
            Peak(time: 1, bin: 5, prominence: 7), Peak(time: 2, bin: 9, prominence: 20), Peak(time: 3, bin: 1, prominence: 9),
            Peak(time: 8, bin: 3, prominence: 8), Peak(time: 12, bin: 4, prominence: 1),
        ]
        let kept = PeakPicker.thin(peaks, blockFrames: 10, keep: 2)
        #expect(kept.map { [$0.time, $0.bin] } == [[2, 9], [3, 1], [12, 4]])
    }

    @Test func maxFilterTakesTheLargestValueOfTheClippedNeighbourhood() {
        // 3 frames × 4 bins, ±1 in both directions.
        let x: [Float] = [
            1, 2, 3, 4,
            5, 0, 0, 0,
            0, 0, 9, 0,
        ]
        let m = PeakPicker.maxFilter(x, frames: 3, bins: 4, timeRadius: 1, frequencyRadius: 1)
        #expect(m == [5, 5, 4, 4, 5, 9, 9, 9, 5, 9, 9, 9])
    }

    @Test func peaksArePairedWithTheNextPeaksOfTheirTargetZone() {
        var s = FingerprintSettings()
        s.fanout = 2
        s.maxTimeDelta = 10
        s.maxFrequencyDelta = 20
        let peaks = [Peak(time: 0, bin: 50), Peak(time: 0, bin: 60), Peak(time: 4, bin: 55), Peak(time: 5, bin: 100), Peak(time: 9, bin: 40), Peak(time: 20, bin: 50)]
        let landmarks = Fingerprinter.pair(peaks, settings: s)
        // (0,50): same-frame (0,60) skipped, then (4,55) and (9,40); (5,100) is 50 bins away.
        // (0,60): (4,55), (9,40). (4,55): (9,40). (5,100): none in ±20 bins. (9,40): (20,50) is 11 frames later.
        let expected = [
            Landmark(hash: Landmark.hash(anchorBin: 50, binDelta: 5, timeDelta: 4), time: 0),
            Landmark(hash: Landmark.hash(anchorBin: 50, binDelta: -10, timeDelta: 9), time: 0),
            Landmark(hash: Landmark.hash(anchorBin: 60, binDelta: -5, timeDelta: 4), time: 0),
            Landmark(hash: Landmark.hash(anchorBin: 60, binDelta: -20, timeDelta: 9), time: 0),
            Landmark(hash: Landmark.hash(anchorBin: 55, binDelta: -15, timeDelta: 5), time: 4),
        ].sorted { ($0.time, $0.hash) < ($1.time, $1.hash) }
        #expect(landmarks == expected)
    }
}
