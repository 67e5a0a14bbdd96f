/// Mean and population standard deviation (ddof = 0) of each column of a row-major matrix,
/// summed in Double so long inputs lose no precision: the MFCC summary (`np.mean`/`np.std`
/// over frames) and the catalog's standardization (over tracks) are the same computation.
public struct ColumnStatistics: Sendable, Equatable {
    public let mean: [Double]
    public let standardDeviation: [Double]

    /// `values` holds `rows × columns` numbers; zero rows give zeros.
    public init(_ values: [Float], rows: Int, columns: Int) {
        precondition(values.count >= rows * columns)
        guard rows > 0 else {
            mean = [Double](repeating: 0, count: columns)
            standardDeviation = mean
            return
        }
        var sum = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            for c in 0..<columns { sum[c] += Double(values[r * columns + c]) }
        }
        let mean = sum.map { $0 / Double(rows) }
        var squares = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            for c in 0..<columns {
                let d = Double(values[r * columns + c]) - mean[c]
                squares[c] += d * d
            }
        }
        self.mean = mean
        standardDeviation = squares.map { ($0 / Double(rows)).squareRoot() }
    }
}
