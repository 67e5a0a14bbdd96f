/// The `k` best (score, row) pairs seen so far, as a binary min-heap: the worst kept score is
/// at the root, so a candidate is compared against one number and most are rejected at once.
/// Ties are broken by the lower row, so results are deterministic.
public struct TopK: Sendable {
    public let k: Int
    private(set) var scores: [Float] = []
    private(set) var rows: [Int] = []

    public init(k: Int) {
        self.k = max(0, k)
        scores.reserveCapacity(self.k)
        rows.reserveCapacity(self.k)
    }

    /// Scores at or below this cannot enter (−∞ until the heap is full).
    @inline(__always)
    public var threshold: Float { scores.count < k ? -.infinity : scores[0] }

    @inline(__always)
    private static func worse(_ s1: Float, _ r1: Int, _ s2: Float, _ r2: Int) -> Bool {
        s1 < s2 || (s1 == s2 && r1 > r2)
    }

    public mutating func insert(score: Float, row: Int) {
        guard k > 0 else { return }
        if scores.count < k {
            scores.append(score)
            rows.append(row)
            var i = scores.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard Self.worse(scores[i], rows[i], scores[parent], rows[parent]) else { break }
                scores.swapAt(i, parent)
                rows.swapAt(i, parent)
                i = parent
            }
            return
        }
        guard Self.worse(scores[0], rows[0], score, row) else { return }
        scores[0] = score
        rows[0] = row
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < k, Self.worse(scores[l], rows[l], scores[m], rows[m]) { m = l }
            if r < k, Self.worse(scores[r], rows[r], scores[m], rows[m]) { m = r }
            guard m != i else { break }
            scores.swapAt(i, m)
            rows.swapAt(i, m)
            i = m
        }
    }

    public mutating func merge(_ other: TopK) {
        for i in 0..<other.scores.count { insert(score: other.scores[i], row: other.rows[i]) }
    }

    /// Best first.
    public func sorted() -> [(row: Int, score: Float)] {
        zip(rows, scores).map { (row: $0, score: $1) }.sorted { a, b in Self.worse(b.score, b.row, a.score, a.row) }
    }
}
