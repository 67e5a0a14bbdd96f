import Foundation

/// How many aligned hashes chance alone gives a query against one track, and how unlikely
/// the observed peak is under that chance (the significance test of docs/recognition.md).
///
/// The unit counted is a query *anchor frame*: the landmarks of one anchor peak share its
/// frame, so they count once. Under the null hypothesis (the query is not this track), the
/// hashes of query frame `t` hit the track `Σ_{h at t} r(h)` times (`r(h)`: occurrences of `h`
/// in the track), spread over the `M = trackFrames + queryFrames` possible alignments, so
/// frame `t` lands in one given offset bin with probability `pₜ = min(1, Σₕ r(h) / M)`. The
/// expected number of frames in a window of `w` bins is `μ = w · Σₜ pₜ`, and the count in a
/// window is close to Poisson(μ) (many frames, each rarely in the window). The best of
/// the `M` windows of a track reaching `k` has probability at most `M · P(Poisson(μ) ≥ k)`
/// (union bound), and the best of the catalog's `N` tracks at most `N` times that.
///
/// The significance is `−log10` of that bound: 4 means "chance does this once in 10,000
/// queries". Counting each anchor frame once per window (not each hit, not each hash) keeps
/// the correlated hashes of one event from scoring as independent evidence.
public enum ChanceModel {
    /// `log10 P(X ≥ k)` for `X ~ Poisson(mean)`; 0 when `k ≤ 0`.
    public static func log10PoissonTail(atLeast k: Int, mean: Double) -> Double {
        guard k > 0 else { return 0 }
        guard mean > 0 else { return -Double.infinity }
        // Σ_{j≥k} e^{−μ} μ^j / j!, summed from the first term in log space: the terms fall off
        // geometrically once j > μ, and for k ≤ μ the tail is near 1 anyway.
        if Double(k) <= mean { return log10(1 - lowerTail(below: k, mean: mean)) }
        let logFirst = -mean + Double(k) * log(mean) - lgamma(Double(k) + 1)
        var sum = 1.0, term = 1.0
        var j = k
        while term > 1e-17 * sum, j < k + 10_000 {
            j += 1
            term *= mean / Double(j)
            sum += term
        }
        return (logFirst + log(sum)) / M_LN10
    }

    /// `P(X < k)` summed directly (used only when `k ≤ μ`, where it is small to moderate).
    static func lowerTail(below k: Int, mean: Double) -> Double {
        var sum = 0.0
        for j in 0..<k { sum += exp(-mean + Double(j) * log(mean) - lgamma(Double(j) + 1)) }
        return min(sum, 1 - 1e-300)
    }

    /// `−log10` of the chance that the best of `windows` windows of one track, and of
    /// `tracks` tracks, reaches `aligned` distinct hashes when each window expects `expected`.
    /// Never negative.
    public static func significance(aligned: Int, expected: Double, windows: Int, tracks: Int) -> Double {
        let tail = log10PoissonTail(atLeast: aligned, mean: expected)
        let bound = tail + log10(Double(max(1, windows))) + log10(Double(max(1, tracks)))
        return max(0, -bound)
    }
}
