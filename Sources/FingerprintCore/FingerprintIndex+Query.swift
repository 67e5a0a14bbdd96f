extension FingerprintIndex {
    /// Scores every track that shares hashes with the query (`landmarks`, times in query
    /// frames; `queryFrames` its length) and returns the best, with the match when the best
    /// passes `MatchSettings`.
    ///
    /// Every hit `(track, track frame)` of a query landmark `(hash, query frame)` votes for the
    /// offset `track frame − query frame`; a true match piles its hashes into one offset, chance
    /// spreads them. Votes are counted once per distinct hash and offset, then summed over a
    /// window of ±`offsetTolerance` bins and judged against chance (`ChanceModel`).
    public func query(_ landmarks: [Landmark], queryFrames: Int, settings: MatchSettings = .standard) -> FingerprintQueryResult {
        // Distinct query hashes with their query frames.
        let sorted = landmarks.sorted()
        var hashes: [(hash: UInt32, times: ArraySlice<Landmark>)] = []
        var i = 0
        while i < sorted.count {
            var j = i + 1
            while j < sorted.count, sorted[j].hash == sorted[i].hash { j += 1 }
            hashes.append((sorted[i].hash, sorted[i..<j]))
            i = j
        }
        // Votes packed as slot (21 bits) · offset + bias (22 bits) · hash (21 bits), so one sort
        // groups them by track, then offset, then hash.
        let bias = 1 << 21
        var votes: [UInt64] = []
        var chance: [Int: Double] = [:]
        for (hash, times) in hashes {
            let hits = postings(of: hash)
            guard !hits.isEmpty, hits.count <= settings.maxPostingsPerHash else { continue }
            var k = hits.startIndex
            while k < hits.endIndex {
                let slot = Int(hits[k] >> 32)
                var end = k + 1
                while end < hits.endIndex, Int(hits[end] >> 32) == slot { end += 1 }
                let alignments = Double(entries[slot].frameCount + queryFrames)
                chance[slot, default: 0] += min(1, Double(times.count * (end - k)) / alignments)
                for posting in hits[k..<end] {
                    let trackTime = Int(posting & 0xFFFF_FFFF)
                    for l in times {
                        let offset = trackTime - Int(l.time) + bias
                        guard offset >= 0, offset < 1 << 22, slot < 1 << 21 else { continue }
                        votes.append(UInt64(slot) << 43 | UInt64(offset) << 21 | UInt64(hash))
                    }
                }
                k = end
            }
        }
        votes.sort()
        // Per track: the bins (offset, distinct hashes), in offset order.
        var candidates: [FingerprintCandidate] = []
        var v = 0
        while v < votes.count {
            let slot = Int(votes[v] >> 43)
            var bins: [OffsetBin] = []
            var trackHashes = Set<UInt64>()
            while v < votes.count, Int(votes[v] >> 43) == slot {
                let bin = votes[v] >> 21
                var count = 0
                var lastHash: UInt64 = .max
                while v < votes.count, votes[v] >> 21 == bin {
                    let h = votes[v] & 0x1F_FFFF
                    if h != lastHash {
                        count += 1
                        lastHash = h
                        trackHashes.insert(h)
                    }
                    v += 1
                }
                bins.append(OffsetBin(offset: Int(bin & 0x3F_FFFF) - bias, count: count))
            }
            candidates.append(score(slot: slot, bins: bins, trackHashes: trackHashes.count, chance: chance[slot] ?? 0, queryFrames: queryFrames, settings: settings))
        }
        candidates.sort { ($0.significance, $0.alignedHashes, -$0.id) > ($1.significance, $1.alignedHashes, -$1.id) }
        var top = Array(candidates.prefix(settings.candidateCount))
        for c in top.indices { locateAlignedQueryFrames(&top[c], landmarks: sorted, tolerance: settings.offsetTolerance) }
        let best = top.first.flatMap { $0.significance >= settings.minSignificance && $0.alignedHashes >= settings.minAligned ? $0 : nil }
        return FingerprintQueryResult(queryLandmarks: landmarks.count, queryFrames: queryFrames, candidates: top, match: best)
    }

    /// The best window of one track's offset histogram and its significance.
    func score(slot: Int, bins: [OffsetBin], trackHashes: Int, chance: Double, queryFrames: Int, settings: MatchSettings) -> FingerprintCandidate {
        let w = settings.offsetTolerance
        var best = (sum: 0, center: 0)
        var lo = 0, hi = 0, sum = 0
        // Sliding window over the sparse, offset-sorted bins: for each bin as centre, the bins
        // within ±w.
        for b in bins.indices {
            let center = bins[b].offset
            while hi < bins.count, bins[hi].offset <= center + w {
                sum += bins[hi].count
                hi += 1
            }
            while bins[lo].offset < center - w {
                sum -= bins[lo].count
                lo += 1
            }
            if sum > best.sum { best = (sum, center) }
        }
        var weighted = 0.0, weight = 0.0
        for bin in bins where abs(bin.offset - best.center) <= w {
            weighted += Double(bin.offset * bin.count)
            weight += Double(bin.count)
        }
        let entry = entries[slot]
        let windows = entry.frameCount + queryFrames
        let expected = chance * Double(2 * w + 1)
        let histogram = bins.sorted { ($0.count, -$0.offset) > ($1.count, -$1.offset) }.prefix(settings.histogramBins)
        return FingerprintCandidate(
            id: entry.id, offsetFrames: weight > 0 ? weighted / weight : Double(best.center), alignedHashes: best.sum,
            trackHashes: trackHashes, expectedAligned: expected,
            significance: ChanceModel.significance(aligned: best.sum, expected: expected, windows: windows, tracks: trackCount),
            histogram: Array(histogram), queryFirstFrame: 0, queryLastFrame: 0)
    }

    /// Fills in the first and last query frame whose hash hits the candidate's track at the
    /// matched offset.
    func locateAlignedQueryFrames(_ candidate: inout FingerprintCandidate, landmarks: [Landmark], tolerance: Int) {
        guard let slot = entries.firstIndex(where: { $0.id == candidate.id }) else { return }
        let center = Int(candidate.offsetFrames.rounded())
        var first = Int.max, last = Int.min
        for l in landmarks {
            for posting in postings(of: l.hash) where Int(posting >> 32) == slot {
                let offset = Int(posting & 0xFFFF_FFFF) - Int(l.time)
                if abs(offset - center) <= tolerance + 1 {
                    first = min(first, Int(l.time))
                    last = max(last, Int(l.time))
                }
            }
        }
        if first <= last {
            candidate.queryFirstFrame = first
            candidate.queryLastFrame = last
        }
    }
}
