import VectorSearch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hot loop of a re-rank: soft-top-k relevance of every row, keeping the best `size`.
enum SoftTopK {
    /// `scores[a][row]` is anchor a's cosine to `row`, `offset[a]` what is subtracted from it
    /// (its neighbourhood density), `logPrior[a]` its log prior. Returns (row, relevance) best
    /// first. Rows whose best adjusted cosine cannot beat the pool's worst are skipped without
    /// an exp (relevance never exceeds the best adjusted cosine).
    static func pool(
        index: VectorIndex, scores: [UnsafeMutableBufferPointer<Float>], offset: [Float], logPrior: [Double],
        temperature: Double, size: Int, excluded: Set<Int64>
    ) -> [(row: Int, score: Float)] {
        let anchors = scores.count
        guard anchors > 0, size > 0 else { return [] }
        var top = TopK(k: size)
        let inverseT = Float(1 / temperature), t = Float(temperature)
        let prior = logPrior.map { Float($0) }
        var terms = [Float](repeating: 0, count: anchors)
        index.ids.withUnsafeBufferPointer { ids in
            for row in 0..<index.count {
                var best = -Float.infinity
                for a in 0..<anchors { best = max(best, scores[a][row] - offset[a]) }
                guard best > top.threshold else { continue }
                if !excluded.isEmpty, excluded.contains(ids[row]) { continue }
                var m = -Float.infinity
                for a in 0..<anchors {
                    let x = (scores[a][row] - offset[a]) * inverseT + prior[a]
                    terms[a] = x
                    m = max(m, x)
                }
                var sum: Float = 0
                for a in 0..<anchors { sum += expf(terms[a] - m) }
                top.insert(score: t * (m + logf(sum)), row: row)
            }
        }
        return top.sorted()
    }
}
