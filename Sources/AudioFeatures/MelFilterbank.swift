import Foundation
import NumericCore

/// librosa's `filters.mel(sr, n_fft, n_mels=128, fmin=0, fmax=sr/2, htk=False, norm='slaney')`,
/// stored sparsely: each triangular filter touches only a few dozen of the 1,025 FFT bins, so a
/// dense 128 × 1,025 product would do ~60× more work for the same numbers.
///
/// Built in Double exactly as librosa builds it, then rounded to Float32 as librosa's
/// `dtype=np.float32` default does.
public struct MelFilterbank: Sendable {
    public struct Filter: Sendable {
        /// First FFT bin with a non-zero weight.
        public var firstBin: Int
        public var weights: [Float]
    }

    public let filters: [Filter]
    public let binCount: Int
    /// The filters flattened for the per-frame loop: filter `m` has `lengths[m]` weights at
    /// `packedWeights[offsets[m]...]`, applied from bin `firstBins[m]`. One array instead of 128
    /// keeps the hot loop free of per-filter reference counting.
    private let firstBins: [Int]
    private let lengths: [Int]
    private let offsets: [Int]
    private let packedWeights: [Float]

    public init(sampleRate: Int, fftSize: Int, melBands: Int, fMin: Double = 0, fMax: Double? = nil) {
        let fMax = fMax ?? Double(sampleRate) / 2
        binCount = fftSize / 2 + 1
        let fftFrequencies = (0..<binCount).map { Double($0) * Double(sampleRate) / Double(fftSize) }
        let melMin = Self.hzToMel(fMin), melMax = Self.hzToMel(fMax)
        let points = melBands + 2
        // np.linspace: start + step * i, with the last point set exactly to the stop value.
        let step = (melMax - melMin) / Double(points - 1)
        let melFrequencies = (0..<points).map { i in i == points - 1 ? Self.melToHz(melMax) : Self.melToHz(melMin + Double(i) * step) }
        var filters: [Filter] = []
        filters.reserveCapacity(melBands)
        for m in 0..<melBands {
            let lowerWidth = melFrequencies[m + 1] - melFrequencies[m]
            let upperWidth = melFrequencies[m + 2] - melFrequencies[m + 1]
            // Slaney normalization: each triangle has unit area in Hz.
            let scale = 2.0 / (melFrequencies[m + 2] - melFrequencies[m])
            var weights: [Float] = []
            var first = -1
            for k in 0..<binCount {
                let lower = -(melFrequencies[m] - fftFrequencies[k]) / lowerWidth
                let upper = (melFrequencies[m + 2] - fftFrequencies[k]) / upperWidth
                let w = max(0, min(lower, upper)) * scale
                if w > 0 {
                    if first < 0 { first = k }
                    // Zeros between non-zero weights cannot happen for a triangle; keep the run.
                    weights.append(Float(w))
                } else if first >= 0 {
                    break
                }
            }
            filters.append(Filter(firstBin: max(first, 0), weights: weights))
        }
        self.filters = filters
        firstBins = filters.map(\.firstBin)
        lengths = filters.map(\.weights.count)
        offsets = filters.reduce(into: [0]) { $0.append($0.last! + $1.weights.count) }.dropLast()
        packedWeights = filters.flatMap(\.weights)
    }

    /// Slaney's auditory scale: linear below 1 kHz, logarithmic above (librosa's `htk=False`).
    public static func hzToMel(_ hz: Double) -> Double {
        let fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logStep = log(6.4) / 27
        return hz >= minLogHz ? minLogMel + log(hz / minLogHz) / logStep : hz / fSp
    }

    public static func melToHz(_ mel: Double) -> Double {
        let fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logStep = log(6.4) / 27
        return mel >= minLogMel ? minLogHz * exp(logStep * (mel - minLogMel)) : fSp * mel
    }

    /// `mel[m] = Σ_k weights[m][k] · power[k]` for one frame.
    @inline(__always)
    public func apply(power: UnsafePointer<Float>, into mel: UnsafeMutablePointer<Float>) {
        packedWeights.withUnsafeBufferPointer { weights in
            firstBins.withUnsafeBufferPointer { first in
                lengths.withUnsafeBufferPointer { length in
                    offsets.withUnsafeBufferPointer { offset in
                        for m in 0..<first.count {
                            mel[m] = dotProduct(weights.baseAddress! + offset[m], power + first[m], count: length[m])
                        }
                    }
                }
            }
        }
    }
}
