/// Groups unit vectors into pockets of similar sound: average-linkage agglomerative
/// clustering on cosine similarity.
///
/// Why average linkage: a pocket is "tracks that are alike on the whole"; single linkage would
/// chain two styles through one in-between track, complete linkage splits a pocket at its one
/// odd member. Deterministic (ties go to the lowest indices), so the same profiles always give
/// the same pockets.
public struct PocketClustering: Sendable {
    /// Two pockets merge while their mean pairwise cosine is at least this.
    public var mergeThreshold: Double
    /// Merging continues past the threshold until there are at most this many pockets.
    public var maxPockets: Int
    /// Vectors clustered exactly; beyond this many (taken in input order, the caller puts the
    /// heaviest first), the rest join the pocket whose centroid is nearest. Bounds the O(n³)
    /// clustering to a few milliseconds.
    public var maxClustered: Int

    public init(mergeThreshold: Double = 0.5, maxPockets: Int = 8, maxClustered: Int = 256) {
        self.mergeThreshold = mergeThreshold
        self.maxPockets = max(1, maxPockets)
        self.maxClustered = max(1, maxClustered)
    }

    /// Pockets as lists of indices into `vectors`, each list ascending, pockets ordered by
    /// their first member.
    public func cluster(_ vectors: [[Float]]) -> [[Int]] {
        let n = min(vectors.count, maxClustered)
        guard n > 0 else { return [] }
        // sim[i][j]: average cosine between pockets i and j (only active pockets are read).
        var sim = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in (i + 1)..<n {
                let c = Cosine.of(vectors[i], vectors[j])
                sim[i][j] = c
                sim[j][i] = c
            }
        }
        var members: [[Int]] = (0..<n).map { [$0] }
        var active = Array(0..<n)
        while active.count > 1 {
            var best = -Double.infinity
            var pair = (0, 0)
            for (p, i) in active.enumerated() {
                for j in active[(p + 1)...] where sim[i][j] > best {
                    best = sim[i][j]
                    pair = (i, j)
                }
            }
            guard best >= mergeThreshold || active.count > maxPockets else { break }
            let (i, j) = pair
            let ni = Double(members[i].count), nj = Double(members[j].count)
            for k in active where k != i && k != j {
                let merged = (ni * sim[i][k] + nj * sim[j][k]) / (ni + nj)
                sim[i][k] = merged
                sim[k][i] = merged
            }
            members[i] += members[j]
            members[j] = []
            active.removeAll { $0 == j }
        }
        var pockets = active.map { members[$0].sorted() }
        if vectors.count > n {
            let centroids = pockets.map { pocket -> [Double] in
                var sum = [Double](repeating: 0, count: vectors[0].count)
                for m in pocket { for (j, x) in vectors[m].enumerated() { sum[j] += Double(x) } }
                return sum
            }
            for extra in n..<vectors.count {
                let v = vectors[extra].map(Double.init)
                var bestPocket = 0, bestScore = -Double.infinity
                for (p, c) in centroids.enumerated() {
                    let norm = c.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    let score = norm > 0 ? Cosine.of(v, c) / norm : -1
                    if score > bestScore {
                        bestScore = score
                        bestPocket = p
                    }
                }
                pockets[bestPocket].append(extra)
            }
        }
        return pockets.sorted { $0[0] < $1[0] }
    }
}
