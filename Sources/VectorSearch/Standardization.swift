import NumericCore

/// Per-dimension z-scoring learned from the catalog: `(x − mean) / std`.
///
/// Raw MFCC summaries are dominated by c0 (loudness, values in the hundreds) and its spread;
/// cosine on them mostly says "equally loud". After standardization every dimension counts in
/// proportion to how much it varies across the catalog, which is what "sounds similar" needs.
public struct Standardization: Sendable, Equatable {
    public let mean: [Float]
    /// `1 / std`, or 1 where a dimension does not vary (so it contributes nothing, not NaN).
    public let inverseScale: [Float]

    public init(mean: [Float], inverseScale: [Float]) {
        precondition(mean.count == inverseScale.count)
        self.mean = mean
        self.inverseScale = inverseScale
    }

    /// Learns mean and population std per dimension from `rows × dimension` row-major values.
    /// Fewer than two rows give the identity (nothing to learn a spread from).
    public init(learningFrom values: [Float], dimension: Int) {
        let rows = dimension == 0 ? 0 : values.count / dimension
        guard rows >= 2 else {
            self.init(mean: [Float](repeating: 0, count: dimension), inverseScale: [Float](repeating: 1, count: dimension))
            return
        }
        let statistics = ColumnStatistics(values, rows: rows, columns: dimension)
        let mean = statistics.mean
        let inverse = statistics.standardDeviation.enumerated().map { j, std -> Float in
            // A dimension constant across the catalog (to float precision) carries no signal.
            std > 1e-9 * max(1, abs(mean[j])) ? Float(1 / std) : 1
        }
        self.init(mean: mean.map { Float($0) }, inverseScale: inverse)
    }

    public var dimension: Int { mean.count }

    public func apply(_ x: [Float]) -> [Float] {
        precondition(x.count == mean.count)
        return (0..<x.count).map { (x[$0] - mean[$0]) * inverseScale[$0] }
    }
}
