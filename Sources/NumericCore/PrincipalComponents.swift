/// The leading principal components of a row-major matrix (PCA on the population covariance,
/// ddof = 0), found by power iteration with deflation.
///
/// The covariance is never formed: each step multiplies by `Xcᵀ Xc` as two passes over the
/// rows (`u = Xc·v`, then `Xcᵀ·u`), so memory stays at the input plus a few vectors and a step
/// costs `2·rows·columns` multiply-adds whatever the dimension (40 MFCC or 1,024 learned).
/// Sums are in Double. Each component is kept orthogonal to the ones before it.
///
/// Signs are fixed as scikit-learn's `svd_flip` fixes them for components: the entry of
/// largest magnitude is positive, so the same catalog always gives the same picture.
public struct PrincipalComponents: Sendable, Equatable {
    public let mean: [Double]
    /// `count` unit vectors of `columns` entries, by decreasing variance.
    public let components: [[Double]]
    /// The variance along each component (the covariance's eigenvalues).
    public let variances: [Double]
    /// The sum of every column's variance: `variances[i] / totalVariance` is the share of the
    /// spread component `i` explains.
    public let totalVariance: Double

    /// `values` holds `rows × columns` numbers. `count` components are returned (at most
    /// `columns`); directions with no variance (fewer rows than components, constant data)
    /// come back with variance 0.
    public init(_ values: [Float], rows: Int, columns: Int, count: Int = 2, maxIterations: Int = 1000, tolerance: Double = 1e-24) {
        precondition(columns > 0 && values.count >= rows * columns)
        let statistics = ColumnStatistics(values, rows: rows, columns: columns)
        mean = statistics.mean
        totalVariance = statistics.standardDeviation.reduce(0) { $0 + $1 * $1 }
        var found: [[Double]] = []
        var variances: [Double] = []
        var rng = SplitMix64(seed: 0x5EED_0F_7CA)
        for _ in 0..<min(count, columns) {
            // A fixed pseudo-random start: never orthogonal to the answer in practice, and the
            // same on every run.
            var v = Self.orthonormalized((0..<columns).map { _ in rng.nextUniform() - 0.5 }, against: found)
            var lambda = 0.0
            for _ in 0..<maxIterations {
                let next = Self.orthogonalized(
                    Self.covarianceTimes(v, values, rows: rows, columns: columns, mean: mean), against: found)
                let norm = Self.norm(next)
                guard norm > 1e-300 else { lambda = 0; break }  // no variance left in these directions
                let unit = next.map { $0 / norm }
                let change = zip(unit, v).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                v = unit
                lambda = norm
                if change < tolerance { break }  // squared step: 1e-24 is a step of 1e-12
            }
            found.append(Self.signFixed(v))
            variances.append(lambda)
        }
        components = found
        self.variances = variances
    }

    /// The coordinates of `rows` rows of `values` along the components, row-major
    /// `rows × components.count`.
    public func project(_ values: [Float], rows: Int) -> [Double] {
        let columns = mean.count
        precondition(values.count >= rows * columns)
        var out = [Double](repeating: 0, count: rows * components.count)
        for r in 0..<rows {
            for (k, component) in components.enumerated() {
                var sum = 0.0
                for c in 0..<columns { sum += (Double(values[r * columns + c]) - mean[c]) * component[c] }
                out[r * components.count + k] = sum
            }
        }
        return out
    }

    /// `(Xcᵀ Xc / rows) · v` in two passes over the rows.
    static func covarianceTimes(_ v: [Double], _ values: [Float], rows: Int, columns: Int, mean: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: columns)
        guard rows > 0 else { return out }
        let meanDotV = zip(mean, v).reduce(0) { $0 + $1.0 * $1.1 }
        for r in 0..<rows {
            let base = r * columns
            var u = -meanDotV
            for c in 0..<columns { u += Double(values[base + c]) * v[c] }
            // Σ u over rows is 0 (the rows are centred), so Xcᵀu = Xᵀu: no mean term here.
            for c in 0..<columns { out[c] += Double(values[base + c]) * u }
        }
        return out.map { $0 / Double(rows) }
    }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// `v` minus its projections on `basis` (unit vectors), twice (classical Gram–Schmidt
    /// repeated, as stable as the modified one).
    static func orthogonalized(_ v: [Double], against basis: [[Double]]) -> [Double] {
        var v = v
        for _ in 0..<2 {
            for b in basis {
                let d = zip(v, b).reduce(0) { $0 + $1.0 * $1.1 }
                for i in v.indices { v[i] -= d * b[i] }
            }
        }
        return v
    }

    static func orthonormalized(_ v: [Double], against basis: [[Double]]) -> [Double] {
        let w = orthogonalized(v, against: basis)
        let n = norm(w)
        return n > 0 ? w.map { $0 / n } : w
    }

    /// The sign that makes the entry of largest magnitude positive.
    static func signFixed(_ v: [Double]) -> [Double] {
        guard let largest = v.max(by: { abs($0) < abs($1) }), largest < 0 else { return v }
        return v.map { -$0 }
    }
}
