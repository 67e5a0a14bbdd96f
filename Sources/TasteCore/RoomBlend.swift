/// The whole group's taste at once: how alike everyone is, which pockets the room shares, and
/// the tracks (from everyone's profiles) that suit the whole room best.
public struct RoomBlend: Sendable, Equatable {
    public struct Pocket: Sendable, Equatable {
        public var label: String
        /// Tracks of the pocket per participant, in `participants` order (0s included).
        public var counts: [Int]
        /// How many participants have at least one track in it.
        public var sharedBy: Int
    }

    public struct Track: Sendable, Equatable {
        public var track: TrackInfo
        /// The cosine to the participant it suits least (their nearest profile track): a
        /// "least misery" score, so one person's niche never tops the room's list.
        public var score: Double
    }

    /// Identities with at least one track in the index, in the order given.
    public var participants: [String]
    /// Mean pairwise `similarity` over the participants (1 for one participant, 0 for none).
    public var cohesion: Double
    public var pockets: [Pocket]
    public var tracks: [Track]
}

extension TasteComparer {
    /// Blends every member's profile. Pairwise similarity is O(P²) profile comparisons; the
    /// pockets cluster the union of all profiles like a two-person comparison does.
    public func roomBlend(
        _ members: [(identity: String, profile: TasteProfile)], vectors: some TrackVectorLookup, tracks: TrackDirectory,
        maxTracks: Int = 10
    ) -> RoomBlend {
        let sides = members.map { (identity: $0.identity, vectors: WeightedVectors($0.profile, vectors)) }.filter { !$0.vectors.isEmpty }
        let participants = sides.map(\.identity)
        var cohesion = sides.count == 1 ? 1.0 : 0.0
        if sides.count > 1 {
            var sum = 0.0, pairs = 0
            for a in 0..<sides.count {
                for b in (a + 1)..<sides.count {
                    sum += similarity(sides[a].vectors, sides[b].vectors)
                    pairs += 1
                }
            }
            cohesion = Cosine.rounded(sum / Double(pairs), 10_000)
        }

        var ids: [Int64] = [], unit: [[Float]] = [], weight: [Double] = []
        var seen: [Int64: Int] = [:]
        for side in sides {
            for (k, id) in side.vectors.ids.enumerated() {
                if let i = seen[id] {
                    weight[i] += side.vectors.weights[k]
                } else {
                    seen[id] = ids.count
                    ids.append(id)
                    unit.append(side.vectors.vectors[k])
                    weight.append(side.vectors.weights[k])
                }
            }
        }
        let order = ids.indices.sorted { weight[$0] != weight[$1] ? weight[$0] > weight[$1] : $0 < $1 }
        let clusters = clustering.cluster(order.map { unit[$0] }).map { $0.map { order[$0] } }
        let labeler = PocketLabeler(all: ids.map { tracks[$0] })
        let memberSets = sides.map { Set($0.vectors.ids) }
        var pockets: [RoomBlend.Pocket] = []
        for members in clusters {
            let memberIDs = members.map { ids[$0] }
            let counts: [Int] = memberSets.map { set in memberIDs.filter { set.contains($0) }.count }
            let label = labeler.label(memberIDs.map { tracks[$0] })
            pockets.append(RoomBlend.Pocket(label: label, counts: counts, sharedBy: counts.filter { $0 > 0 }.count))
        }
        pockets.sort { a, b in
            let (sizeA, sizeB) = (a.counts.reduce(0, +), b.counts.reduce(0, +))
            return a.sharedBy != b.sharedBy ? a.sharedBy > b.sharedBy : sizeA > sizeB
        }

        var scored: [(index: Int, score: Double)] = []
        for (i, v) in unit.enumerated() {
            var worst = Double.infinity
            for side in sides {
                var nearest = -1.0
                for (k, w) in side.vectors.vectors.enumerated() {
                    nearest = max(nearest, side.vectors.ids[k] == ids[i] ? 1 : Cosine.of(v, w))
                }
                worst = min(worst, nearest)
            }
            scored.append((i, max(0, worst)))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
        let blendTracks = scored.prefix(max(0, maxTracks)).map { RoomBlend.Track(track: tracks[ids[$0.index]], score: Cosine.rounded($0.score)) }
        return RoomBlend(participants: participants, cohesion: cohesion, pockets: pockets, tracks: blendTracks)
    }
}
