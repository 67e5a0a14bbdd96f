extension VectorIndex {
    /// Exact similarity search with the seeds' centroid, optional MMR re-ranking and
    /// near-duplicate collapsing.
    ///
    /// 1. Each seed becomes a unit vector in the index's space; the query is their normalized
    ///    mean (the "throughline" of several seeds).
    /// 2. The `max(k · poolFactor, minimumPool)` nearest rows are found by exact scan, skipping
    ///    excluded ids and seed tracks.
    /// 3. Results are picked from that pool one at a time: the best by score (or, with MMR, by
    ///    `λ·score − (1−λ)·max cosine to the results already picked`); a candidate within
    ///    `duplicateThreshold` of a picked result, or one `sameRecording` says is the same
    ///    recording as a picked result, is folded into it instead.
    public func search(_ query: SimilarityQuery, options: ScanOptions = ScanOptions()) throws(SearchError) -> [SearchResult] {
        guard !query.seeds.isEmpty else { throw .noSeeds }
        if let lambda = query.mmrLambda, !(0...1).contains(lambda) { throw .invalidLambda(lambda) }
        var seedUnits: [[Float]] = []
        var excluded = query.excluded
        for seed in query.seeds {
            switch seed {
            case .track(let id):
                guard let unit = unitVector(id: id) else { throw .unknownSeedTrack(id) }
                seedUnits.append(unit)
                excluded.insert(id)
            case .vector(let raw):
                guard raw.count == dimension else { throw .seedDimension(expected: dimension, got: raw.count) }
                seedUnits.append(prepare(raw))
            }
        }
        var sum = [Float](repeating: 0, count: dimension)
        for unit in seedUnits {
            for j in 0..<dimension { sum[j] += unit[j] }
        }
        let centroid = VectorMath.normalized(sum)
        guard centroid.contains(where: { $0 != 0 }) else { throw .seedsCancelOut }
        guard query.k > 0 else { return [] }

        let poolSize = max(query.k * max(1, query.poolFactor), query.minimumPool)
        let pool = nearest(to: centroid, k: poolSize, excluding: excluded, options: options)
        let vectors = pool.map { unitVector(row: $0.row) }
        let ids = self.ids
        var tests = 0
        let sameRecording = query.sameRecording.map { rule in
            (cosine: rule.candidateCosine, test: { (p: Int, c: Int) -> Bool in
                tests += 1
                return tests <= rule.maxTests && rule.test(ids[pool[p].row], ids[pool[c].row])
            })
        }
        let picked = Self.pick(
            scores: pool.map(\.score), vectors: vectors, k: query.k, lambda: query.mmrLambda,
            duplicateThreshold: query.duplicateThreshold, sameRecording: sameRecording)
        return picked.map { choice in
            let unit = vectors[choice.index]
            var best = 0
            var bestSimilarity = -Float.infinity
            for (s, seed) in seedUnits.enumerated() {
                let similarity = VectorMath.dot(seed, unit)
                if similarity > bestSimilarity {
                    best = s
                    bestSimilarity = similarity
                }
            }
            return SearchResult(
                id: ids[pool[choice.index].row], score: pool[choice.index].score, nearestSeed: best,
                seedSimilarity: bestSimilarity, duplicates: choice.duplicates.map { ids[pool[$0].row] })
        }
    }

    /// Greedy selection over a candidate pool (pure; indices into `scores`/`vectors`).
    /// Without `lambda` candidates are taken in score order; with it, by maximal marginal
    /// relevance. Either way a candidate whose cosine to an already picked result reaches
    /// `duplicateThreshold` is recorded as that result's duplicate and never picked; so is one
    /// within `sameRecording.cosine` of a picked result for which `sameRecording.test(picked,
    /// candidate)` holds (indices into the pool).
    public static func pick(
        scores: [Float], vectors: [[Float]], k: Int, lambda: Double?, duplicateThreshold: Float?,
        sameRecording: (cosine: Float, test: (Int, Int) -> Bool)? = nil
    ) -> [(index: Int, duplicates: [Int])] {
        var picked: [(index: Int, duplicates: [Int])] = []
        var remaining = Array(scores.indices)
        // Max cosine of each candidate to anything picked so far (−∞ before the first pick).
        var redundancy = [Float](repeating: -.infinity, count: scores.count)
        // Which picked result each candidate is closest to, for crediting duplicates.
        var closestPick = [Int](repeating: -1, count: scores.count)
        while picked.count < k, !remaining.isEmpty {
            var bestPosition = 0
            if let lambda {
                var bestValue = -Double.infinity
                for (position, c) in remaining.enumerated() {
                    let penalty = picked.isEmpty ? 0 : Double(redundancy[c])
                    let value = lambda * Double(scores[c]) - (1 - lambda) * penalty
                    if value > bestValue {
                        bestValue = value
                        bestPosition = position
                    }
                }
            }
            let candidate = remaining.remove(at: bestPosition)
            if let threshold = duplicateThreshold, redundancy[candidate] >= threshold, closestPick[candidate] >= 0 {
                picked[closestPick[candidate]].duplicates.append(candidate)
                continue
            }
            if let sameRecording, redundancy[candidate] >= sameRecording.cosine,
                let p = picked.indices.first(where: {
                    VectorMath.dot(vectors[candidate], vectors[picked[$0].index]) >= sameRecording.cosine
                        && sameRecording.test(picked[$0].index, candidate)
                })
            {
                picked[p].duplicates.append(candidate)
                continue
            }
            picked.append((index: candidate, duplicates: []))
            for c in remaining {
                let similarity = VectorMath.dot(vectors[c], vectors[candidate])
                if similarity > redundancy[c] {
                    redundancy[c] = similarity
                    closestPick[c] = picked.count - 1
                }
            }
        }
        return picked
    }
}
