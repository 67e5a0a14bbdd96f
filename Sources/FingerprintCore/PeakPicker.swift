/// Finds the landmark peaks of a log-power spectrogram (pure: a matrix in, peaks out).
///
/// 1. A point is a candidate when it is the maximum of its neighbourhood (±`peakTimeRadius`
///    frames × ±`peakFrequencyRadius` bins, a separable max filter) and above `floorDB`.
/// 2. Its prominence is its height above the mean of its own frame within
///    ±`backgroundRadius` bins; candidates under `minProminence` are dropped. A mic's
///    frequency response or a band of noise lifts a region's background along with its
///    peaks, so prominence survives both where raw level would not.
/// 3. In each block of `blockFrames` frames only the `peaksPerBlock` most prominent survive,
///    which fixes the density (and so the index size per hour) whatever the loudness.
///
/// Peaks come back sorted by time, then bin.
public struct PeakPicker: Sendable {
    public var settings: FingerprintSettings

    public init(settings: FingerprintSettings = .standard) {
        self.settings = settings
    }

    /// `db` is frame-major: `db[t * bins + f]`.
    public func peaks(db: [Float], frames: Int, bins: Int) -> [Peak] {
        precondition(db.count == frames * bins)
        guard frames > 0, bins > 0 else { return [] }
        let local = Self.maxFilter(db, frames: frames, bins: bins, timeRadius: settings.peakTimeRadius, frequencyRadius: settings.peakFrequencyRadius)
        var candidates: [Peak] = []
        let radius = settings.backgroundRadius
        var prefix = [Float](repeating: 0, count: bins + 1)
        for t in 0..<frames {
            let row = t * bins
            for f in 0..<bins { prefix[f + 1] = prefix[f] + db[row + f] }
            for f in 0..<bins {
                let value = db[row + f]
                guard value == local[row + f], value > settings.floorDB else { continue }
                // A plateau (equal neighbours) gives one peak, its first point.
                if f > 0, db[row + f - 1] == value { continue }
                if t > 0, db[row - bins + f] == value { continue }
                let lo = max(0, f - radius), hi = min(bins, f + radius + 1)
                let background = (prefix[hi] - prefix[lo]) / Float(hi - lo)
                let prominence = value - background
                guard prominence >= settings.minProminence else { continue }
                candidates.append(Peak(time: t, bin: f, prominence: prominence))
            }
        }
        return Self.thin(candidates, blockFrames: settings.blockFrames, keep: settings.peaksPerBlock)
    }

    /// Keeps the `keep` most prominent peaks of each block of `blockFrames` frames (ties: the
    /// earlier, then the lower bin), returned sorted by time then bin.
    public static func thin(_ peaks: [Peak], blockFrames: Int, keep: Int) -> [Peak] {
        var kept: [Peak] = []
        var start = 0
        while start < peaks.count {
            let block = peaks[start].time / blockFrames
            var end = start
            while end < peaks.count, peaks[end].time / blockFrames == block { end += 1 }
            let ranked = peaks[start..<end].sorted {
                $0.prominence != $1.prominence ? $0.prominence > $1.prominence : ($0.time, $0.bin) < ($1.time, $1.bin)
            }
            kept.append(contentsOf: ranked.prefix(keep))
            start = end
        }
        return kept.sorted { ($0.time, $0.bin) < ($1.time, $1.bin) }
    }

    /// The maximum over a (2·timeRadius + 1) × (2·frequencyRadius + 1) neighbourhood, edges
    /// clipped: first along frequency, then along time (the max filter is separable).
    public static func maxFilter(_ x: [Float], frames: Int, bins: Int, timeRadius: Int, frequencyRadius: Int) -> [Float] {
        var alongFrequency = [Float](repeating: 0, count: x.count)
        for t in 0..<frames {
            let row = t * bins
            for f in 0..<bins {
                var m = -Float.infinity
                for g in max(0, f - frequencyRadius)...min(bins - 1, f + frequencyRadius) { m = max(m, x[row + g]) }
                alongFrequency[row + f] = m
            }
        }
        var out = [Float](repeating: 0, count: x.count)
        for t in 0..<frames {
            for f in 0..<bins {
                var m = -Float.infinity
                for s in max(0, t - timeRadius)...min(frames - 1, t + timeRadius) { m = max(m, alongFrequency[s * bins + f]) }
                out[t * bins + f] = m
            }
        }
        return out
    }
}
