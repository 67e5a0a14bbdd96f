import CVectorKernels
import Dispatch

extension VectorIndex {
    /// Tuning of the exact scan.
    public struct ScanOptions: Sendable {
        /// Threads for one query. Default: all cores.
        public var maxThreads: Int
        /// Below this many multiply-adds (rows × dimension) one thread does the whole scan:
        /// waking a second core costs more than it saves on small catalogs.
        public var parallelThreshold: Int

        public init(maxThreads: Int = ProcessInfoCores.count, parallelThreshold: Int = 2_000_000) {
            self.maxThreads = max(1, maxThreads)
            self.parallelThreshold = parallelThreshold
        }

        public static let singleThread = ScanOptions(maxThreads: 1)
    }

    /// The `k` rows with the highest inner product with `query` (a unit vector from
    /// `prepare`), best first, skipping rows whose id is in `excluded`.
    public func nearest(
        to query: [Float], k: Int, excluding excluded: Set<Int64> = [], options: ScanOptions = ScanOptions()
    ) -> [(row: Int, score: Float)] {
        precondition(query.count == dimension)
        let blockCount = (count + 15) / 16
        guard k > 0, blockCount > 0 else { return [] }
        let threads = count * dimension >= options.parallelThreshold ? min(options.maxThreads, blockCount) : 1
        if threads == 1 {
            return scan(query, k: k, excluded, blocks: 0..<blockCount).sorted()
        }
        let partials = UnsafeMutableBufferPointer<TopK>.allocate(capacity: threads)
        partials.initialize(repeating: TopK(k: k))
        defer {
            _ = partials.deinitialize()
            partials.deallocate()
        }
        // Each worker writes only its own slot; concurrentPerform returns after all finish.
        let slots = DisjointSlots(partials)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let lo = blockCount * t / threads, hi = blockCount * (t + 1) / threads
            slots[t] = scan(query, k: k, excluded, blocks: lo..<hi)
        }
        var merged = TopK(k: k)
        for t in 0..<threads { merged.merge(partials[t]) }
        return merged.sorted()
    }

    /// Scores of every row against `query`, in row order (for tests and re-ranking).
    public func scores(for query: [Float]) -> [Float] {
        precondition(query.count == dimension)
        let blockCount = (count + 15) / 16
        var out = [Float](repeating: 0, count: blockCount * 16)
        var blockMax = [Float](repeating: 0, count: blockCount)
        blocks.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return }
            wd_score_blocks(base, query, Int64(dimension), Int64(blockCount), &out, &blockMax)
        }
        return Array(out.prefix(count))
    }

    /// The CPU-specific variant of the scoring kernel in use ("avx512", "avx2+fma", "baseline").
    public static var scoringKernel: String { String(cString: wd_score_kernel_name()) }

    /// Blocks scored per kernel call: 64 × 16 scores stay in L1 between the kernel writing them
    /// and the selection reading them.
    static let chunkBlocks = 64

    private func scan(_ query: [Float], k: Int, _ excluded: Set<Int64>, blocks range: Range<Int>) -> TopK {
        var top = TopK(k: k)
        let rows = count, d = dimension
        // The k-th best score so far, in a register: the heap is touched only when a block has
        // a row that beats it, which after the first few blocks is rare.
        var threshold = -Float.infinity
        var scores = [Float](repeating: 0, count: Self.chunkBlocks * 16)
        var blockMax = [Float](repeating: 0, count: Self.chunkBlocks)
        query.withUnsafeBufferPointer { q in
            blocks.withUnsafeBufferPointer { b in
                ids.withUnsafeBufferPointer { ids in
                    scores.withUnsafeMutableBufferPointer { scores in
                        blockMax.withUnsafeMutableBufferPointer { blockMax in
                            var start = range.lowerBound
                            while start < range.upperBound {
                                let n = min(Self.chunkBlocks, range.upperBound - start)
                                wd_score_blocks(
                                    b.baseAddress! + start * 16 * d, q.baseAddress!, Int64(d), Int64(n),
                                    scores.baseAddress!, blockMax.baseAddress!)
                                for c in 0..<n where blockMax[c] > threshold || threshold == -.infinity {
                                    for i in 0..<16 where scores[c * 16 + i] > threshold || threshold == -.infinity {
                                        let row = (start + c) * 16 + i
                                        guard row < rows else { break }
                                        if !excluded.isEmpty, excluded.contains(ids[row]) { continue }
                                        top.insert(score: scores[c * 16 + i], row: row)
                                        threshold = top.threshold
                                    }
                                }
                                start += n
                            }
                        }
                    }
                }
            }
        }
        return top
    }
}
