import ArgumentParser
import Foundation
import NumericCore
import VectorSearch

/// `wavedefect bench search`: exact top-k QPS and latency on synthetic unit vectors, the same
/// shapes as scripts/bench/search_baselines.py (numpy, faiss IndexFlatIP).
public struct BenchSearchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Benchmark exact cosine top-k search (one query at a time).")

    @Option(parsing: .upToNextOption, help: "Catalog sizes to test.")
    public var sizes: [Int] = [10_000, 100_000]

    @Option(parsing: .upToNextOption, help: "Vector dimensions to test.")
    public var dimensions: [Int] = [40, 1024]

    @Option(help: "Threads per query (1 = the faiss single-core comparison).")
    public var threads: Int = 1

    @Option(name: .short, help: "Results per query.")
    public var k: Int = 10

    public init() {}

    public func run() throws {
        print("exact search, k=\(k), scoring kernel: \(VectorIndex.scoringKernel)")
        for d in dimensions {
            for n in sizes {
                let queries = max(50, min(5000, 20_000_000_000 / (n * d * 4)))
                var rng = SplitMix64(seed: 42)
                var values = [Float](repeating: 0, count: n * d)
                for i in 0..<values.count { values[i] = rng.nextGaussian() }
                let index = VectorIndex(dimension: d, ids: (0..<n).map(Int64.init), vectors: values, standardize: false)
                values = []
                let qs = (0..<queries).map { _ in index.prepare((0..<d).map { _ in rng.nextGaussian() }) }
                let options = VectorIndex.ScanOptions(maxThreads: threads, parallelThreshold: threads == 1 ? .max : 0)
                _ = index.nearest(to: qs[0], k: k, options: options)  // warm caches and page in the matrix
                var latencies: [Double] = []
                latencies.reserveCapacity(queries)
                var checksum: Float = 0
                for q in qs {
                    let start = DispatchTime.now().uptimeNanoseconds
                    let top = index.nearest(to: q, k: k, options: options)
                    latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                    checksum += top.first?.score ?? 0
                }
                latencies.sort()
                let mean = latencies.reduce(0, +) / Double(latencies.count)
                let line = String(
                    format: "wavedefect     n=%7d d=%5d  QPS %9.1f  p50 %7.3f ms  p99 %7.3f ms  (%d queries, %d thread%@)",
                    n, d, 1000 / mean, latencies[latencies.count / 2], latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
                    queries, threads, threads == 1 ? "" : "s")
                print(line)
                fflush(nil)
                if checksum.isNaN { print("unexpected NaN") }
            }
        }
    }
}
