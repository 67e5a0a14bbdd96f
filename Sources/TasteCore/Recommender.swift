import VectorSearch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One participant's steerable recommendations (item 4 of issue 8): a value holding the taste
/// model, changed by `recs.control` messages.
///
/// The taste model is an **anchor set**: the seeds, the thumbed-up tracks and (optionally) the
/// profile's tracks, each with a recency-decayed weight `wₐ = base · 2^(−age/halfLife)` (base 1
/// for a seed, `thumbWeight` (2) for a thumb up, `profileWeight` (0.5) × the entry's weight for a
/// profile track).
/// Anchors are grouped into pockets (`PocketClustering`), and the `breadth` knob sets the
/// prior of each pocket (`AnchorPriors`), giving every anchor a prior `πₐ` (Σ πₐ = 1).
///
/// Cosines are first **locally scaled**: `s̃ₐ(c) = cos(a, c) − ρₐ`, where `ρₐ` is the mean
/// cosine of anchor a's `neighbourhood` (10) nearest tracks. Without it an anchor in a dense
/// region of the catalog (many near-identical tracks) would outscore every other anchor's
/// neighbours and one pocket would fill the list whatever the knobs say (the hubness problem;
/// cf. CSLS, Conneau et al. 2018).
///
/// The **relevance** of a candidate `c` is a soft top-k over its scaled cosines to the anchors:
/// `rel(c) = τ · log Σₐ πₐ · exp(s̃ₐ(c) / τ)` (τ = `temperature`, 0.1): near the largest
/// prior-weighted cosine (a track close to one anchor is relevant even if far from the others,
/// unlike a centroid), yet a track close to several anchors scores higher than one close to
/// one. `rel(c) ≤ maxₐ s̃ₐ(c)`, which lets the scan skip rows that cannot enter the pool. The
/// reported `score` is `rel(c) + Σₐ πₐ ρₐ`, the same ranking shifted back to cosine scale.
///
/// The `pool` best candidates by relevance (deeper as `explore` rises) are then picked by
/// **MMR** with `λ = 1 − (1 − minimumLambda) · explore`: `λ·rel − (1−λ)·max cos to tracks
/// already picked`. Seeds, anchors and thumbed-down tracks are excluded by id before scoring,
/// so they can never appear; `more` also excludes everything shown since the last re-rank.
public struct Recommender: Sendable {
    public struct Settings: Sendable {
        public var pageSize = 10
        public var temperature = 0.1
        /// Nearest tracks whose mean cosine is an anchor's density ρₐ.
        public var neighbourhood = 10
        /// Seconds after which an anchor weighs half as much as one added now.
        public var halfLife = 900.0
        /// Base weight of a thumbed-up track (a seed weighs 1): a thumb is a reaction to what
        /// the list just showed, the most direct signal a listener gives.
        public var thumbWeight = 2.0
        /// Anchors beyond this many: the lightest (oldest) are dropped from the model.
        public var maxAnchors = 32
        /// Weight of a profile track relative to a seed or a thumb.
        public var profileWeight = 0.5
        public var anchorPockets = PocketClustering(mergeThreshold: 0.5, maxPockets: 16, maxClustered: 64)
        public var minimumLambda = 0.3
        /// Pool = max(minimumPool, pageSize × (poolPerResult + poolExplore × explore)).
        public var poolPerResult = 5.0
        public var poolExplore = 15.0
        public var minimumPool = 50
        /// Candidates this close to a picked track are the same music and are skipped.
        public var duplicateThreshold: Float? = 0.98

        public init() {}
    }

    public var settings: Settings
    public private(set) var knobs: Knobs
    public private(set) var seeds: [Anchor] = []
    public private(set) var thumbsUp: [Anchor] = []
    public private(set) var thumbsDown: Set<Int64> = []
    public private(set) var profileAnchors: [Anchor] = []
    /// Shown since the last re-rank, for `more`.
    private var shown: Set<Int64> = []
    private var cache = AnchorScoreCache()

    public init(settings: Settings = Settings(), knobs: Knobs = Knobs()) {
        self.settings = settings
        self.knobs = knobs
    }

    /// Applies one control message and returns the list to send back: a fresh list after seeds,
    /// a thumb or knobs; the next page after `more`. Unknown track ids are refused without
    /// changing anything.
    public mutating func apply(_ control: RecsControl, index: VectorIndex, now: Double) throws(TastePayloadError) -> [Recommendation] {
        switch control {
        case .seeds(let ids):
            let unknown = ids.filter { !index.contains(id: $0) }
            guard unknown.isEmpty else { throw .unknownTracks(unknown) }
            seeds = ids.map { Anchor(trackID: $0, source: .seed, addedAt: now) }
            thumbsDown.subtract(ids)
        case .thumb(let id, let up):
            if up {
                guard index.contains(id: id) else { throw .unknownTracks([id]) }
                thumbsDown.remove(id)
                thumbsUp.removeAll { $0.trackID == id }
                thumbsUp.append(Anchor(trackID: id, source: .thumb, weight: settings.thumbWeight, addedAt: now))
            } else {
                // A thumbed-down track is excluded whether or not it has a vector.
                thumbsDown.insert(id)
                thumbsUp.removeAll { $0.trackID == id }
                seeds.removeAll { $0.trackID == id }
                profileAnchors.removeAll { $0.trackID == id }
            }
        case .knobs(let breadth, let explore):
            knobs = Knobs(breadth: breadth ?? knobs.breadth, explore: explore ?? knobs.explore)
        case .more:
            return try recommend(index: index, more: true)
        }
        return try recommend(index: index, more: false)
    }

    /// Frees the per-anchor scores (anchors × catalog rows × 4 bytes), for a participant gone
    /// idle; the next list rescans every anchor.
    public mutating func dropCachedScores() {
        cache = AnchorScoreCache()
    }

    /// Makes the participant's taste profile part of the model (at `profileWeight`).
    public mutating func useProfile(_ profile: TasteProfile) {
        profileAnchors = profile.entries.filter { !thumbsDown.contains($0.trackID) }.map {
            Anchor(trackID: $0.trackID, source: $0.source, weight: settings.profileWeight * $0.weight, addedAt: $0.addedAt)
        }
    }

    /// Every anchor once (a seed wins over a thumb over a profile track; the newest time
    /// counts), the heaviest `maxAnchors` after decay, only those the index has.
    public func anchors(in index: VectorIndex) -> [Anchor] {
        var merged: [Int64: Anchor] = [:]
        var order: [Int64] = []
        for a in profileAnchors + thumbsUp + seeds where index.contains(id: a.trackID) && !thumbsDown.contains(a.trackID) {
            if var existing = merged[a.trackID] {
                existing.addedAt = max(existing.addedAt, a.addedAt)
                if a.source == .seed || (a.source == .thumb && existing.source != .seed) { existing.source = a.source }
                existing.weight = max(existing.weight, a.weight)
                merged[a.trackID] = existing
            } else {
                merged[a.trackID] = a
                order.append(a.trackID)
            }
        }
        var anchors = order.map { merged[$0]! }
        if anchors.count > settings.maxAnchors {
            let w = AnchorPriors.decayedWeights(anchors, halfLife: settings.halfLife)
            let keep = Set(anchors.indices.sorted { w[$0] != w[$1] ? w[$0] > w[$1] : $0 > $1 }.prefix(settings.maxAnchors))
            anchors = anchors.indices.filter { keep.contains($0) }.map { anchors[$0] }
        }
        return anchors
    }

    /// The current list (or, with `more`, the next page of it).
    public mutating func recommend(index: VectorIndex, more: Bool = false) throws(TastePayloadError) -> [Recommendation] {
        let anchors = anchors(in: index)
        guard !anchors.isEmpty else { throw .noAnchors }
        if !more { shown = [] }
        cache.keep(only: Set(anchors.map(\.trackID)))
        let units = anchors.map { index.unitVector(id: $0.trackID)! }
        let buffers = zip(anchors, units).map { cache.scores(trackID: $0.trackID, unit: $1, index: index, neighbourhood: settings.neighbourhood) }

        let weights = AnchorPriors.decayedWeights(anchors, halfLife: settings.halfLife)
        let order = anchors.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
        let pockets = settings.anchorPockets.cluster(order.map { units[$0] }).map { $0.map { order[$0] } }
        let priors = AnchorPriors(weights: weights, pockets: pockets, breadth: knobs.breadth)

        var excluded = thumbsDown.union(seeds.map(\.trackID)).union(anchors.map(\.trackID))
        if more { excluded.formUnion(shown) }
        let k = settings.pageSize
        let poolSize = max(settings.minimumPool, Int((Double(k) * (settings.poolPerResult + settings.poolExplore * knobs.explore)).rounded()))
        let pool = SoftTopK.pool(
            index: index, scores: buffers.map(\.scores), offset: buffers.map(\.density), logPrior: priors.logPrior,
            temperature: settings.temperature, size: poolSize, excluded: excluded)
        var shift = 0.0
        for (a, buffer) in buffers.enumerated() { shift += exp(priors.logPrior[a]) * Double(buffer.density) }
        withExtendedLifetime(buffers) {}

        let lambda = 1 - (1 - settings.minimumLambda) * knobs.explore
        let vectors = pool.map { index.unitVector(row: $0.row) }
        let picked = VectorIndex.pick(
            scores: pool.map(\.score), vectors: vectors, k: k, lambda: lambda, duplicateThreshold: settings.duplicateThreshold)
        let result = picked.map { choice -> Recommendation in
            let candidate = pool[choice.index]
            var best = 0
            for a in 1..<max(1, anchors.count) where buffers[a].scores[candidate.row] > buffers[best].scores[candidate.row] { best = a }
            return Recommendation(
                trackID: index.ids[candidate.row], score: Cosine.rounded(Double(candidate.score) + shift), anchor: anchors[best],
                anchorSimilarity: Cosine.rounded(Double(buffers[best].scores[candidate.row])))
        }
        shown.formUnion(result.map(\.trackID))
        // Duplicates folded into a pick count as shown, so `more` does not offer them next.
        for choice in picked { for d in choice.duplicates { shown.insert(index.ids[pool[d].row]) } }
        return result
    }
}
