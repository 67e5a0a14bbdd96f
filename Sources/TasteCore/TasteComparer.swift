/// Compares two taste profiles (item 3 of issue 8).
///
/// Every track is a unit vector in the index's space (standardized, then normalized, so the
/// dot product is the cosine search uses). With profile weights normalized to sum to 1:
///
/// - **best-match coverage** `M = ½ (Σᵢ wᵢ · max⁺ⱼ cos(hᵢ, gⱼ) + Σⱼ vⱼ · max⁺ᵢ cos(gⱼ, hᵢ))`:
///   how well each side's tracks are matched by the other's nearest track, both ways (so a
///   guest with one of the host's tracks and fifty others does not score as the host);
/// - **centroid agreement** `C = max(0, cos(h̄, ḡ))` of the weighted mean directions: whether
///   the two tastes lean the same way overall;
/// - `similarity = α·M + (1 − α)·C`, α = `matchWeight` (0.6), rounded to 4 decimals.
///
/// `max⁺` clamps at 0: in a standardized space unrelated tracks have cosine ≈ 0 and opposite
/// ones < 0, and "opposite" is no less alike than "unrelated". Identical profiles give exactly
/// 1 (every track matches itself, the centroids coincide); a guest who shares the host's
/// style has higher coverage and a closer centroid than one who does not.
public struct TasteComparer: Sendable {
    public var matchWeight: Double
    /// Matches listed (each track at most once, best first).
    public var maxMatches: Int
    public var clustering: PocketClustering

    public init(matchWeight: Double = 0.6, maxMatches: Int = 5, clustering: PocketClustering = PocketClustering()) {
        self.matchWeight = matchWeight
        self.maxMatches = maxMatches
        self.clustering = clustering
    }

    /// Only the number (cheap: no pockets or matches), for the room blend's pairwise cohesion.
    public func similarity(_ a: TasteProfile, _ b: TasteProfile, vectors: some TrackVectorLookup) -> Double {
        similarity(WeightedVectors(a, vectors), WeightedVectors(b, vectors))
    }

    func similarity(_ h: WeightedVectors, _ g: WeightedVectors) -> Double {
        guard !h.isEmpty, !g.isEmpty else { return 0 }
        var cos = [[Double]](repeating: [Double](repeating: 0, count: g.count), count: h.count)
        for i in 0..<h.count {
            for j in 0..<g.count { cos[i][j] = h.ids[i] == g.ids[j] ? 1 : Cosine.of(h.vectors[i], g.vectors[j]) }
        }
        var hostCoverage = 0.0, guestCoverage = 0.0
        for i in 0..<h.count { hostCoverage += h.weights[i] * max(0, cos[i].max()!) }
        for j in 0..<g.count { guestCoverage += g.weights[j] * max(0, (0..<h.count).map { cos[$0][j] }.max()!) }
        let coverage = (hostCoverage + guestCoverage) / 2
        let centroid = max(0, Cosine.of(h.centroid, g.centroid))
        let s = matchWeight * coverage + (1 - matchWeight) * centroid
        return min(1, max(0, Cosine.rounded(s, 10_000)))
    }

    public func compare(
        host: String, _ hostProfile: TasteProfile, guest: String, _ guestProfile: TasteProfile,
        vectors: some TrackVectorLookup, tracks: TrackDirectory
    ) -> TasteResult {
        let h = WeightedVectors(hostProfile, vectors), g = WeightedVectors(guestProfile, vectors)
        let similarity = similarity(h, g)
        let matches = bestMatches(h, g, tracks)
        let pockets = pockets(h, g, tracks)
        return TasteResult(
            host: host, guest: guest, similarity: similarity,
            hostTracks: hostProfile.trackIDs.map { tracks[$0] }, guestTracks: guestProfile.trackIDs.map { tracks[$0] },
            matches: matches, pockets: pockets,
            explanation: Self.explain(similarity: similarity, hostEmpty: h.isEmpty, guestEmpty: g.isEmpty, matches: matches, pockets: pockets))
    }

    /// Greedy: the most similar pair first, then the best pair among tracks not used yet.
    func bestMatches(_ h: WeightedVectors, _ g: WeightedVectors, _ tracks: TrackDirectory) -> [TasteResult.Match] {
        var pairs: [(i: Int, j: Int, cos: Double)] = []
        for i in 0..<h.count {
            for j in 0..<g.count {
                pairs.append((i, j, h.ids[i] == g.ids[j] ? 1 : Cosine.of(h.vectors[i], g.vectors[j])))
            }
        }
        pairs.sort { $0.cos != $1.cos ? $0.cos > $1.cos : ($0.i, $0.j) < ($1.i, $1.j) }
        var usedHost = Set<Int>(), usedGuest = Set<Int>()
        var out: [TasteResult.Match] = []
        for p in pairs where out.count < maxMatches && !usedHost.contains(p.i) && !usedGuest.contains(p.j) {
            usedHost.insert(p.i)
            usedGuest.insert(p.j)
            out.append(.init(hostTrack: tracks[h.ids[p.i]], guestTrack: tracks[g.ids[p.j]], score: Cosine.rounded(max(0, min(1, p.cos)))))
        }
        return out
    }

    /// Clusters the union of both profiles (a track on both sides counted once, for both);
    /// the largest pockets first, shared ones before one-sided ones of the same size.
    func pockets(_ h: WeightedVectors, _ g: WeightedVectors, _ tracks: TrackDirectory) -> [TasteResult.Pocket] {
        var ids: [Int64] = [], vectors: [[Float]] = [], weight: [Double] = []
        var seen: [Int64: Int] = [:]
        for (side, w) in [(h, 1.0), (g, 1.0)] {
            for (k, id) in side.ids.enumerated() {
                if let i = seen[id] {
                    weight[i] += side.weights[k] * w
                    continue
                }
                seen[id] = ids.count
                ids.append(id)
                vectors.append(side.vectors[k])
                weight.append(side.weights[k] * w)
            }
        }
        // Heaviest first, so the clustered prefix is what matters most.
        let order = ids.indices.sorted { weight[$0] != weight[$1] ? weight[$0] > weight[$1] : $0 < $1 }
        let clusters = clustering.cluster(order.map { vectors[$0] }).map { $0.map { order[$0] } }
        let hostSet = Set(h.ids), guestSet = Set(g.ids)
        let labeler = PocketLabeler(all: ids.map { tracks[$0] })
        let pockets = clusters.map { members in
            TasteResult.Pocket(
                label: labeler.label(members.map { tracks[ids[$0]] }),
                host: members.filter { hostSet.contains(ids[$0]) }.count,
                guest: members.filter { guestSet.contains(ids[$0]) }.count)
        }
        return pockets.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            if x.host + x.guest != y.host + y.guest { return x.host + x.guest > y.host + y.guest }
            if x.shared != y.shared { return x.shared }
            return a.offset < b.offset
        }.map(\.element)
    }

    static func explain(
        similarity: Double, hostEmpty: Bool, guestEmpty: Bool, matches: [TasteResult.Match], pockets: [TasteResult.Pocket]
    ) -> String {
        if hostEmpty && guestEmpty { return "neither side has tracks in the index yet" }
        if hostEmpty { return "the host has no tracks in the index yet" }
        if guestEmpty { return "the guest has no tracks in the index yet" }
        var parts = ["\(Int((similarity * 100).rounded()))% alike"]
        let shared = pockets.filter(\.shared).map(\.label)
        let hostOnly = pockets.filter { $0.host > 0 && $0.guest == 0 }.map(\.label)
        let guestOnly = pockets.filter { $0.guest > 0 && $0.host == 0 }.map(\.label)
        parts.append(shared.isEmpty ? "no pocket in common" : "both into \(list(shared))")
        if !hostOnly.isEmpty { parts.append("only the host: \(list(hostOnly))") }
        if !guestOnly.isEmpty { parts.append("only the guest: \(list(guestOnly))") }
        if let best = matches.first {
            parts.append("closest pair \(best.hostTrack.displayName) ↔ \(best.guestTrack.displayName) (\(best.score))")
        }
        return parts.joined(separator: "; ")
    }

    private static func list(_ labels: [String]) -> String {
        labels.count <= 3 ? labels.joined(separator: ", ") : labels.prefix(3).joined(separator: ", ") + " +\(labels.count - 3)"
    }
}
