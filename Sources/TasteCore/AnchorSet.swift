import VectorSearch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A track the recommender's taste model is built from: a seed, a thumbed-up track or a
/// profile track.
public struct Anchor: Sendable, Equatable {
    public var trackID: Int64
    public var source: ProfileSource
    /// Importance before recency decay: 1 for seeds, `thumbWeight` for thumbs,
    /// `profileWeight × entry weight` for profile tracks.
    public var weight: Double
    /// Unix seconds; newer anchors weigh more.
    public var addedAt: Double

    public init(trackID: Int64, source: ProfileSource, weight: Double = 1, addedAt: Double) {
        self.trackID = trackID
        self.source = source
        self.weight = weight
        self.addedAt = addedAt
    }
}

/// The anchors' log prior weights `log πₐ` for soft-top-k relevance (see `Recommender`):
/// recency decay, pockets of anchors, and the breadth knob's temperature over pockets.
struct AnchorPriors {
    var logPrior: [Double]
    /// Pocket of each anchor (index into the pockets found).
    var pocket: [Int]

    /// - `weights`: recency-decayed weights of the anchors (> 0).
    /// - `pockets`: anchor indices per pocket.
    /// - `breadth`: 0 = only the heaviest pocket, 1 = every pocket alike.
    init(weights: [Double], pockets: [[Int]], breadth: Double) {
        var pocket = [Int](repeating: 0, count: weights.count)
        for (k, members) in pockets.enumerated() { for a in members { pocket[a] = k } }
        self.pocket = pocket
        let mass = pockets.map { $0.reduce(0) { $0 + weights[$1] } }
        // Pocket prior P_k ∝ W_k^γ: a softmax of log-mass at temperature 1/γ. γ = 20 at
        // breadth 0 (argmax: one tight pocket), ≈ 1 at 0.5 (in proportion to how much was
        // liked there), 0 at breadth 1 (all liked pockets alike).
        let gamma = Self.gamma(breadth: breadth)
        let logits = mass.map { gamma * log($0) }
        let top = logits.max() ?? 0
        let norm = top + log(logits.reduce(0) { $0 + exp($1 - top) })
        logPrior = weights.indices.map { a in
            let k = pocket[a]
            return (logits[k] - norm) + log(weights[a] / mass[k])
        }
    }

    static func gamma(breadth: Double) -> Double { (1 - breadth) / (breadth + 0.05) }

    /// `w · 2^(−age/halfLife)`, with age measured from the newest anchor (only ratios matter).
    static func decayedWeights(_ anchors: [Anchor], halfLife: Double) -> [Double] {
        let newest = anchors.map(\.addedAt).max() ?? 0
        return anchors.map { a in
            let age = max(0, newest - a.addedAt)
            return max(1e-12, a.weight * (halfLife > 0 ? exp2(-age / halfLife) : 1))
        }
    }
}

/// Each anchor's cosine to every row of one index snapshot, computed once per anchor (one
/// exact scan) and reused until the index changes: a thumb up costs one scan, a thumb down or
/// a knob none.
final class AnchorScoreBuffer: @unchecked Sendable {
    /// Immutable after init; shared between copies of a recommender's state.
    let scores: UnsafeMutableBufferPointer<Float>
    /// Mean cosine of the anchor's `neighbourhood` nearest other tracks: how dense the music
    /// around it is (see `Recommender` on local scaling).
    let density: Float

    init(_ values: [Float], ownRow: Int?, neighbourhood: Int) {
        scores = .allocate(capacity: max(1, values.count))
        _ = scores.initialize(from: values)
        var top = TopK(k: max(1, neighbourhood))
        for (row, score) in values.enumerated() where row != ownRow { top.insert(score: score, row: row) }
        let nearest = top.sorted()
        density = nearest.isEmpty ? 0 : nearest.reduce(0) { $0 + $1.score } / Float(nearest.count)
    }

    deinit { scores.deallocate() }
}

struct AnchorScoreCache: Sendable {
    private var version: UInt64?
    private var byTrack: [Int64: AnchorScoreBuffer] = [:]

    /// Scores of `unit` (the anchor's vector) against every row, from the cache when the index
    /// is the one they were computed on.
    mutating func scores(trackID: Int64, unit: [Float], index: VectorIndex, neighbourhood: Int) -> AnchorScoreBuffer {
        if version != index.version {
            byTrack = [:]
            version = index.version
        }
        if let cached = byTrack[trackID] { return cached }
        let buffer = AnchorScoreBuffer(index.scores(for: unit), ownRow: index.row(of: trackID), neighbourhood: neighbourhood)
        byTrack[trackID] = buffer
        return buffer
    }

    /// Forgets anchors no longer in the set, so memory stays anchors × rows × 4 bytes.
    mutating func keep(only ids: Set<Int64>) {
        byTrack = byTrack.filter { ids.contains($0.key) }
    }
}
