import ArgumentParser
import Foundation
import MusicCatalog
import MusicIndex
import MusicCommands
import MusicIngest
import NumericCore
import TasteCore
import VectorSearch

/// `wavedefect bench rerank`: how long the recommender takes to answer a thumb (the new list
/// after `{"thumb":…}`), on synthetic clustered vectors of the shapes or on the vectors
/// of a catalog.
///
/// Per shape: 5 seeds from 3 clusters, one warm-up list, then `--thumbs` thumbs alternating up
/// (adds an anchor: one exact scan + re-rank) and down (re-rank only), each on a track of the
/// current list. Half of them are also answered by a copy of the recommender without its
/// per-anchor scores (every anchor rescanned): the cost the cache saves.
public struct BenchRerankCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rerank",
        abstract: "Benchmark the recommender's re-rank after a thumb (p50/p99).")

    @Option(parsing: .upToNextOption, help: "Shapes as ROWSxDIMENSION (synthetic vectors).")
    public var shapes: [String] = ["16000x40", "16000x1024", "100000x1024"]

    @Option(help: "Thumbs per shape (alternating up and down).")
    public var thumbs: Int = 40

    @Option(help: "Use this catalog's vectors instead of synthetic ones.")
    public var catalog: String?

    @Option(help: "Model whose vectors --catalog provides.")
    public var model: String = TrackEmbedder.modelName

    @Flag(help: "Skip the comparison without the per-anchor cache.")
    public var skipUncached = false

    public init() {}

    public func validate() throws {
        guard thumbs >= 2 else { throw ValidationError("--thumbs must be at least 2") }
        for s in shapes where Self.parse(shape: s) == nil { throw ValidationError("bad shape \(s): use ROWSxDIMENSION, e.g. 16000x1024") }
    }

    public func run() throws {
        print("recommender re-rank after a thumb, page of 10, knobs breadth 0.5 explore 0.3, scoring kernel: \(VectorIndex.scoringKernel)")
        if let catalog {
            let index = try VectorIndex.load(from: try Catalog(path: absolutePath(catalog)), model: model)
            guard index.count >= 100 else { throw CommandError("\(catalog) has \(index.count) \(model) vectors; the benchmark needs at least 100") }
            measure(index, label: "catalog \(model)")
        } else {
            for shape in shapes {
                let (n, d) = Self.parse(shape: shape)!
                measure(Self.synthetic(rows: n, dimension: d), label: "synthetic")
            }
        }
    }

    static func parse(shape: String) -> (Int, Int)? {
        let parts = shape.lowercased().split(separator: "x")
        guard parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]), n >= 100, d > 0 else { return nil }
        return (n, d)
    }

    /// 64 clusters (a catalog of styles): a random centre each, rows = centre + noise.
    static func synthetic(rows: Int, dimension: Int) -> VectorIndex {
        var rng = SplitMix64(seed: 42)
        let centres = (0..<64).map { _ in (0..<dimension).map { _ in rng.nextGaussian() } }
        var values = [Float](repeating: 0, count: rows * dimension)
        for r in 0..<rows {
            let c = centres[r % 64]
            for j in 0..<dimension { values[r * dimension + j] = c[j] + 0.8 * rng.nextGaussian() }
        }
        return VectorIndex(dimension: dimension, ids: (0..<rows).map(Int64.init), vectors: values, standardize: false)
    }

    func measure(_ index: VectorIndex, label: String) {
        let seeds = [0, 1, 64, 65, 128].map { index.ids[$0 % index.count] }
        var up: [Double] = [], down: [Double] = [], uncached: [Double] = []
        var r = Recommender()
        var list = (try? r.apply(.seeds(seeds), index: index, now: 0)) ?? []
        for i in 0..<thumbs {
            guard let target = list.dropFirst(i % 3).first ?? list.first else { break }
            let control = RecsControl.thumb(id: target.trackID, up: i % 2 == 0)
            // Every fourth thumb is also answered by a copy without cached anchor scores.
            if !skipUncached, i % 4 < 2 {
                var cold = r
                cold.dropCachedScores()
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try? cold.apply(control, index: index, now: Double(i + 1))
                uncached.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            let start = DispatchTime.now().uptimeNanoseconds
            list = (try? r.apply(control, index: index, now: Double(i + 1))) ?? []
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if i % 2 == 0 { up.append(ms) } else { down.append(ms) }
        }
        let anchors = r.anchors(in: index).count
        print(
            String(
                format: "%@ n=%7d d=%5d  thumb up p50 %8.2f ms p99 %8.2f ms | thumb down p50 %7.2f ms p99 %7.2f ms | %d anchors, %.1f MB of anchor scores",
                label, index.count, index.dimension, Self.percentile(up, 0.5), Self.percentile(up, 0.99), Self.percentile(down, 0.5),
                Self.percentile(down, 0.99), anchors, Double(anchors * index.count * 4) / 1e6))
        if !uncached.isEmpty {
            print(
                String(
                    format: "%@ n=%7d d=%5d  same thumbs without the per-anchor cache (every anchor rescanned): p50 %8.2f ms p99 %8.2f ms (%d)",
                    label, index.count, index.dimension, Self.percentile(uncached, 0.5), Self.percentile(uncached, 0.99), uncached.count))
        }
        fflush(nil)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }
}
