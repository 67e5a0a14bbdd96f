import Foundation
import NumericCore
import Testing

@testable import FingerprintCore

@Suite struct FingerprinterTests {
    /// Tone bursts: each `(start s, length s, Hz)` a Hann-shaped sine.
    static func bursts(_ notes: [(start: Double, length: Double, hz: Double)], seconds: Double, rate: Int = 22_050) -> [Float] {
        var y = [Float](repeating: 0, count: Int(seconds * Double(rate)))
        for note in notes {
            let first = Int(note.start * Double(rate)), count = Int(note.length * Double(rate))
            for i in 0..<count where first + i < y.count {
                let envelope = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(count))
                y[first + i] += Float(0.3 * envelope * sin(2 * Double.pi * note.hz * Double(i) / Double(rate)))
            }
        }
        return y
    }

    @Test func aToneBurstPeaksAtItsBinAndCentre() {
        // 1 kHz: bin 1000 / (22050 / 1024) = 46.4 → analysed bin 46 − minBin 3 = 43. The burst
        // (0.5 s from 1.0 s) is loudest at 1.25 s, frame 1.25 · 22050 / 256 = 107.7.
        let y = Self.bursts([(1.0, 0.5, 1000)], seconds: 2)
        let peaks = Fingerprinter().peaks(y)
        #expect(!peaks.isEmpty)
        let strongest = peaks.max { $0.prominence < $1.prominence }!
        #expect(strongest.bin == 43)
        #expect(abs(strongest.time - 108) <= 1)
    }

    @Test func silenceHasNoLandmarksAndAQueryOfAnExcerptFindsItsOffset() {
        let fingerprinter = Fingerprinter()
        #expect(fingerprinter.fingerprint([Float](repeating: 0, count: 22_050)).landmarks.isEmpty)
        #expect(fingerprinter.fingerprint([]).frameCount == 0)
        // A melody of 40 notes; the query is 3 s cut 2.5 s in (not on a frame boundary).
        var rng = SplitMix64(seed: 7)
        let notes = (0..<40).map { i in (Double(i) * 0.25, 0.3, 220 * pow(2, Double(rng.next() % 24) / 12)) }
        let song = Self.bursts(notes, seconds: 10.5)
        let print = fingerprinter.fingerprint(song)
        let index = FingerprintIndex(tracks: [(7, print.frameCount, print.landmarks)])
        let cut = 55_125 + 100
        let query = fingerprinter.queryFingerprint(Array(song[cut..<(cut + 3 * 22_050)]))
        let result = index.query(query.landmarks, queryFrames: query.frameCount)
        let match = try! #require(result.match)
        #expect(match.id == 7)
        let expected = Double(cut) / 256
        #expect(abs(match.offsetFrames - expected) < 1.5, "offset \(match.offsetFrames) frames, expected \(expected)")
    }
}
