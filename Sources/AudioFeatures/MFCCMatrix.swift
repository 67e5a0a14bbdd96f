import NumericCore

/// MFCCs of a clip, frame-major: `values[t * coefficientCount + c]` is coefficient `c` of
/// frame `t` (librosa's `mfcc[c, t]`).
public struct MFCCMatrix: Sendable, Equatable {
    public let frameCount: Int
    public let coefficientCount: Int
    public let values: [Float]

    public init(frameCount: Int, coefficientCount: Int, values: [Float]) {
        precondition(values.count == frameCount * coefficientCount)
        self.frameCount = frameCount
        self.coefficientCount = coefficientCount
        self.values = values
    }

    public subscript(frame t: Int, coefficient c: Int) -> Float { values[t * coefficientCount + c] }

    /// The 40-D embedding: the per-coefficient mean over frames, then the per-coefficient
    /// population standard deviation (ddof = 0), as `np.mean(m, axis=1)` and `np.std(m, axis=1)`.
    /// Summed in Double so long clips lose no precision.
    public func meanAndStandardDeviation() -> [Float] {
        let statistics = ColumnStatistics(values, rows: frameCount, columns: coefficientCount)
        return statistics.mean.map { Float($0) } + statistics.standardDeviation.map { Float($0) }
    }
}
