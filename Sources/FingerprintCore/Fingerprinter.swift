import AudioFeatures
import Foundation

/// Audio → landmarks: the power spectrogram (`PowerSpectrogram`, shared with the MFCCs), in
/// dB over the analysed band, its peaks (`PeakPicker`), and pairs of peaks (`pair`).
///
/// Immutable and `Sendable`: ingest workers and the live recognizer share one.
public struct Fingerprinter: Sendable {
    public let settings: FingerprintSettings
    private let spectrogram: PowerSpectrogram
    private let picker: PeakPicker

    public init(settings: FingerprintSettings = .standard) {
        precondition(settings.minBin + settings.binCount <= settings.fftSize / 2 + 1 && settings.binCount <= 256)
        self.settings = settings
        spectrogram = PowerSpectrogram(fftSize: settings.fftSize, hopLength: settings.hopLength)
        picker = PeakPicker(settings: settings)
    }

    /// What one piece of audio gave: its landmarks and how many frames it spans.
    public struct Fingerprint: Sendable, Equatable {
        public var landmarks: [Landmark]
        public var frameCount: Int
        public var peakCount: Int
    }

    /// The landmarks of `samples` (mono at `settings.sampleRate`), sorted by time then hash.
    public func fingerprint(_ samples: [Float]) -> Fingerprint {
        let peaks = self.peaks(samples)
        return Fingerprint(
            landmarks: Self.pair(peaks, settings: settings), frameCount: samples.isEmpty ? 0 : spectrogram.frameCount(sampleCount: samples.count),
            peakCount: peaks.count)
    }

    /// The landmarks of a query: the union of the fingerprints of `samples` started at
    /// `shifts` evenly spaced fractions of a hop. A query is cut anywhere relative to the
    /// reference's frame grid; shifting it gives hashes from grids close to the reference's,
    /// which recovers pairs whose peaks one grid splits across two frames.
    public func queryFingerprint(_ samples: [Float], shifts: Int = 2) -> Fingerprint {
        var all = Set<Landmark>()
        var peaks = 0
        for s in 0..<max(1, shifts) {
            let start = s * settings.hopLength / max(1, shifts)
            guard start < samples.count else { break }
            let print = fingerprint(start == 0 ? samples : Array(samples[start...]))
            all.formUnion(print.landmarks)
            peaks += print.peakCount
        }
        return Fingerprint(
            landmarks: all.sorted { ($0.time, $0.hash) < ($1.time, $1.hash) },
            frameCount: samples.isEmpty ? 0 : spectrogram.frameCount(sampleCount: samples.count), peakCount: peaks)
    }

    /// The peaks of `samples`.
    public func peaks(_ samples: [Float]) -> [Peak] {
        let (db, frames) = logSpectrogram(samples)
        return picker.peaks(db: db, frames: frames, bins: settings.binCount)
    }

    /// `10·log10(power)` (floored at −100 dB) of bins `minBin ..< minBin + binCount`,
    /// frame-major, and the frame count.
    public func logSpectrogram(_ samples: [Float]) -> (db: [Float], frames: Int) {
        let bins = settings.binCount, first = settings.minBin
        let frames = samples.isEmpty ? 0 : spectrogram.frameCount(sampleCount: samples.count)
        var db = [Float](repeating: 0, count: frames * bins)
        guard frames > 0 else { return (db, 0) }
        let dbPerNeper = Float(10 / M_LN10)
        samples.withUnsafeBufferPointer { y in
            db.withUnsafeMutableBufferPointer { out in
                spectrogram.forEachFrame(y) { t, power in
                    let row = out.baseAddress! + t * bins
                    for f in 0..<bins { row[f] = dbPerNeper * logf(max(1e-10, power[first + f])) }
                }
            }
        }
        return (db, frames)
    }

    /// Pairs each peak with the next `fanout` peaks of its target zone (1…`maxTimeDelta`
    /// frames later, within ±`maxFrequencyDelta` bins), nearest in time first. `peaks` must
    /// be sorted by time then bin. The result is sorted by time, then hash, without repeats.
    public static func pair(_ peaks: [Peak], settings: FingerprintSettings) -> [Landmark] {
        var landmarks: [Landmark] = []
        landmarks.reserveCapacity(peaks.count * settings.fanout)
        for (i, anchor) in peaks.enumerated() {
            var paired = 0
            var j = i + 1
            while j < peaks.count, paired < settings.fanout {
                let target = peaks[j]
                j += 1
                let dt = target.time - anchor.time
                if dt < 1 { continue }
                if dt > settings.maxTimeDelta { break }
                guard abs(target.bin - anchor.bin) <= settings.maxFrequencyDelta,
                    let landmark = Landmark(anchor: anchor, target: target)
                else { continue }
                landmarks.append(landmark)
                paired += 1
            }
        }
        landmarks.sort { ($0.time, $0.hash) < ($1.time, $1.hash) }
        var unique: [Landmark] = []
        unique.reserveCapacity(landmarks.count)
        for l in landmarks where unique.last != l { unique.append(l) }
        return unique
    }
}
