import ArgumentParser
import Foundation
import MusicCatalog
import MusicIndex
import MusicIngest
import MusicRecognition
import VectorSearch
import WireJSON

/// `wavedefect similar [--db DB] --seed ID_OR_FILE [--seed …] [-k 10] [--mmr λ] [--json]`.
public struct SimilarCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "similar",
        abstract: "Find the catalog tracks most similar to one or more seeds.",
        discussion: """
            A seed is a catalog track id or an audio file. A file whose bytes are in the catalog \
            is that track; any other file is embedded on the fly. With several seeds the search \
            uses their centroid. Seeds never appear in their own results, and copies of one \
            recording among the results (their fingerprints agree: a re-release, a re-encode) \
            collapse into the best-ranked one.
            """)

    @OptionGroup public var catalog: CatalogOptions

    @Option(name: .long, help: "A track id or an audio file (repeatable).")
    public var seed: [String]

    @Option(name: .short, help: "Number of results.")
    public var k: Int = 10

    @Option(help: "Re-rank with maximal marginal relevance: 1 = similarity only, 0 = diversity only.")
    public var mmr: Double?

    @Option(help: "Also take results whose cosine reaches this for one recording (only for a model shown to separate recordings; the fingerprint rule applies anyway).")
    public var dedup: Float?

    @Flag(help: "Keep near-duplicates (neither rule).")
    public var noDedup = false

    @Option(help: "Never return this track id (repeatable).")
    public var exclude: [Int64] = []

    @Option(help: "Vector model to search.")
    public var model: String = TrackEmbedder.modelName

    @Flag(help: "Print {\"results\": [...]} as JSON.")
    public var json = false

    public init() {}

    public func validate() throws {
        guard !seed.isEmpty else { throw ValidationError("give at least one --seed") }
        guard k > 0 else { throw ValidationError("-k must be positive") }
        if let mmr, !(0...1).contains(mmr) { throw ValidationError("--mmr must be between 0 and 1") }
    }

    public func run() throws {
        let catalog = try self.catalog.openForReading()
        let index = try VectorIndex.load(from: catalog, model: model)
        guard index.count > 0 else { throw CommandError(Self.noVectorsMessage(model: model, catalog: catalog)) }
        let resolver = SeedResolver()
        let seeds = try seed.map { try resolver.resolve($0, catalog: catalog, index: index, model: model) }
        let check = SameRecordingCheck(catalog: catalog)
        let query = SimilarityQuery(
            seeds: seeds.map(\.seed), k: k, mmrLambda: mmr, duplicateThreshold: noDedup ? nil : dedup,
            sameRecording: noDedup ? nil : SameRecordingRule { check.isSameRecording($0, $1) }, excluded: Set(exclude))
        let results = try index.search(query)
        var tracks: [Int64: Track] = [:]
        for result in results { tracks[result.id] = try catalog.track(id: result.id) }
        if json {
            print(Self.json(results, tracks: tracks, seedCount: seeds.count))
        } else {
            for line in seeds.map({ "seed: \($0.label)" }) { print(line) }
            for (rank, result) in results.enumerated() {
                let track = tracks[result.id]
                print(String(format: "%2d. %.3f  ", rank + 1, result.score)
                    + "\(track?.displayName ?? "?")  [\(result.id)]  \(result.why(seedCount: seeds.count))")
            }
        }
    }

    /// MFCC vectors come from `ingest`; every other model's from `import-vectors`. Names the
    /// models the catalog does have, in case the name was mistyped.
    static func noVectorsMessage(model: String, catalog: Catalog) -> String {
        let how = model == TrackEmbedder.modelName
            ? "run `wavedefect ingest --db \(catalog.path) FILES…` first"
            : "store them with `wavedefect import-vectors --db \(catalog.path) --model \(model) FILE`"
        let known = ((try? catalog.models()) ?? []).filter { $0.vectorCount > 0 }.map(\.name)
        return "the catalog has no \(model) vectors; \(how)"
            + (known.isEmpty ? "" : " (models with vectors: \(known.joined(separator: ", ")))")
    }

    static func json(_ results: [SearchResult], tracks: [Int64: Track], seedCount: Int) -> String {
        var w = JSONWriter(reservingCapacity: 256 * (results.count + 1))
        w.beginObject()
        w.key("results")
        w.beginArray()
        for result in results {
            let track = tracks[result.id]
            w.beginObject()
            w.key("id")
            w.int(result.id)
            w.key("path")
            if let source = track?.source { w.string(source) } else { w.null() }
            w.key("title")
            if let title = track?.title { w.string(title) } else { w.null() }
            w.key("artist")
            if let artist = track?.artist { w.string(artist) } else { w.null() }
            w.key("score")
            w.double((Double(result.score) * 1e6).rounded() / 1e6)
            w.key("why")
            w.string(result.why(seedCount: seedCount))
            if !result.duplicates.isEmpty {
                w.key("duplicates")
                w.beginArray()
                for id in result.duplicates { w.int(id) }
                w.endArray()
            }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
