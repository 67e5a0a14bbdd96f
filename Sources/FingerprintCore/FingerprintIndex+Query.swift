extension FingerprintIndex {
    /// Scores every track that shares hashes with the query (`landmarks`, times in query
    /// frames; `queryFrames` its length) and returns the best, with the match when the best
    /// passes `MatchSettings`.
    ///
    /// Every hit `(track, track frame)` of a query landmark `(hash, query frame)` votes for the
    /// offset `track frame − query frame`; a true match piles its votes into one offset, chance
    /// spreads them. A window of ±`offsetTolerance` bins counts the distinct query frames
    /// (anchor times) that voted in it — not votes, not hashes: the `fanout` hashes of one
    /// anchor, or one drum hit repeated, are one event, not several — and is judged against
    /// chance (`ChanceModel`).
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
        // Votes packed as slot (21 bits) · offset + bias (22 bits) · query frame (21 bits), so
        // one sort groups them by track, then offset, then query frame.
        let bias = 1 << 21
        var votes: [UInt64] = []
        // Per (slot, query frame): the chance that the frame's hashes hit one given offset.
        var chanceByFrame: [UInt64: Double] = [:]
        for (hash, times) in hashes {
            let hits = postings(of: hash)
            guard !hits.isEmpty, hits.count <= settings.maxPostingsPerHash else { continue }
            var k = hits.startIndex
            while k < hits.endIndex {
                let slot = Int(hits[k] >> 32)
                var end = k + 1
                while end < hits.endIndex, Int(hits[end] >> 32) == slot { end += 1 }
                guard slot < 1 << 21 else { break }
                let perAlignment = Double(end - k) / Double(entries[slot].frameCount + queryFrames)
                for l in times where l.time < 1 << 21 {
                    chanceByFrame[UInt64(slot) << 32 | UInt64(l.time), default: 0] += perAlignment
                }
                for posting in hits[k..<end] {
                    let trackTime = Int(posting & 0xFFFF_FFFF)
                    for l in times where l.time < 1 << 21 {
                        let offset = trackTime - Int(l.time) + bias
                        guard offset >= 0, offset < 1 << 22 else { continue }
                        votes.append(UInt64(slot) << 43 | UInt64(offset) << 21 | UInt64(l.time))
                    }
                }
                k = end
            }
        }
        var chance: [Int: Double] = [:]
        for (key, p) in chanceByFrame { chance[Int(key >> 32), default: 0] += min(1, p) }
        votes.sort()
        var candidates: [FingerprintCandidate] = []
        var v = 0
        while v < votes.count {
            let slot = Int(votes[v] >> 43)
            var end = v
            while end < votes.count, Int(votes[end] >> 43) == slot { end += 1 }
            candidates.append(score(slot: slot, votes: votes[v..<end], chance: chance[slot] ?? 0, queryFrames: queryFrames, settings: settings))
            v = end
        }
        candidates.sort { ($0.significance, $0.alignedHashes, -$0.id) > ($1.significance, $1.alignedHashes, -$1.id) }
        var top = Array(candidates.prefix(settings.candidateCount))
        let aligned = top.indices.map { locateAlignedQueryFrames(&top[$0], landmarks: sorted, tolerance: settings.offsetTolerance) }
        // The rival of the best: the most query frames another track aligns. Another copy of
        // the same recording (a re-release, a re-encode) aligns mostly the same frames as the
        // best and is no rival.
        if !top.isEmpty {
            top[0].runnerUpAligned = aligned.dropFirst().map { frames in
                frames.intersection(aligned[0]).count * 10 >= frames.count * 7 ? 0 : frames.count
            }.max() ?? 0
        }
        let best = top.first.flatMap { settings.accepts($0) ? $0 : nil }
        return FingerprintQueryResult(queryLandmarks: landmarks.count, queryFrames: queryFrames, candidates: top, match: best)
    }

    /// The best window of one track's offset histogram and its significance. `votes` are the
    /// track's, sorted (offset, then query frame); a window counts each query frame once.
    func score(slot: Int, votes: ArraySlice<UInt64>, chance: Double, queryFrames: Int, settings: MatchSettings) -> FingerprintCandidate {
        let bias = 1 << 21
        // Bins: offset, distinct query frames, and where their votes are.
        var bins: [(offset: Int, count: Int, votes: Range<Int>)] = []
        var frames = Set<UInt64>()
        var v = votes.startIndex
        while v < votes.endIndex {
            let bin = votes[v] >> 21
            let first = v
            var count = 0
            var last: UInt64 = .max
            while v < votes.endIndex, votes[v] >> 21 == bin {
                let frame = votes[v] & 0x1F_FFFF
                if frame != last {
                    count += 1
                    last = frame
                    frames.insert(frame)
                }
                v += 1
            }
            bins.append((Int(bin & 0x3F_FFFF) - bias, count, first..<v))
        }
        let w = settings.offsetTolerance
        var best = (count: 0, center: 0)
        var lo = 0, hi = 0, sum = 0
        var window = Set<UInt64>()
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
            // The bins' own counts bound the window's distinct frames from above.
            guard sum > best.count else { continue }
            window.removeAll(keepingCapacity: true)
            for bin in bins[lo..<hi] { for vote in votes[bin.votes] { window.insert(vote & 0x1F_FFFF) } }
            if window.count > best.count { best = (window.count, center) }
        }
        var weighted = 0.0, weight = 0.0
        for bin in bins where abs(bin.offset - best.center) <= w {
            weighted += Double(bin.offset * bin.count)
            weight += Double(bin.count)
        }
        let entry = entries[slot]
        let windows = entry.frameCount + queryFrames
        let expected = chance * Double(2 * w + 1)
        let histogram = bins.map { OffsetBin(offset: $0.offset, count: $0.count) }.sorted { ($0.count, -$0.offset) > ($1.count, -$1.offset) }
        return FingerprintCandidate(
            id: entry.id, offsetFrames: weight > 0 ? weighted / weight : Double(best.center), alignedHashes: best.count,
            runnerUpAligned: 0, trackHashes: frames.count, expectedAligned: expected,
            significance: ChanceModel.significance(aligned: best.count, expected: expected, windows: windows, tracks: trackCount),
            histogram: Array(histogram.prefix(settings.histogramBins)), queryFirstFrame: 0, queryLastFrame: 0)
    }

    /// Fills in the first and last query frame whose hash hits the candidate's track at the
    /// matched offset, and returns all those frames.
    @discardableResult
    func locateAlignedQueryFrames(_ candidate: inout FingerprintCandidate, landmarks: [Landmark], tolerance: Int) -> Set<Int> {
        guard let slot = entries.firstIndex(where: { $0.id == candidate.id }) else { return [] }
        var frames = Set<Int>()
        let center = Int(candidate.offsetFrames.rounded())
        var first = Int.max, last = Int.min
        for l in landmarks {
            for posting in postings(of: l.hash) where Int(posting >> 32) == slot {
                let offset = Int(posting & 0xFFFF_FFFF) - Int(l.time)
                if abs(offset - center) <= tolerance + 1 {
                    frames.insert(Int(l.time))
                    first = min(first, Int(l.time))
                    last = max(last, Int(l.time))
                }
            }
        }
        if first <= last {
            candidate.queryFirstFrame = first
            candidate.queryLastFrame = last
        }
        return frames
    }
}
