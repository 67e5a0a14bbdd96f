import Foundation
import MusicCatalog
import VectorSearch

/// Turns what a user typed after `--seed` (or what the server got) into a search seed.
public struct SeedResolver: Sendable {
    public struct Resolved: Sendable {
        public var seed: SimilarityQuery.Seed
        /// The catalog track the seed is, when it is one (excluded from results).
        public var trackID: Int64?
        /// How the seed was understood, for messages: "track 12", "file x.mp3 (track 12)",
        /// "file x.mp3 (embedded)".
        public var label: String
    }

    public var embedder: TrackEmbedder

    public init(embedder: TrackEmbedder = TrackEmbedder()) {
        self.embedder = embedder
    }

    /// A decimal catalog id, or a file: a file whose content is in the catalog is that track;
    /// any other file is embedded on the fly (MFCC model only), so a re-encode of a catalog
    /// track finds that track first.
    public func resolve(_ text: String, catalog: Catalog, index: VectorIndex, model: String) throws -> Resolved {
        if let id = Int64(text), !FileManager.default.fileExists(atPath: text) {
            guard index.contains(id: id) else { throw SeedError(message: "track \(id) has no \(model) vector in the catalog") }
            return Resolved(seed: .track(id), trackID: id, label: "track \(id)")
        }
        let path = URL(fileURLWithPath: text).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw SeedError(message: "\(text) is neither a track id nor an audio file")
        }
        let hash = try ContentHash.of(file: path, maxBytes: embedder.decoder.limits.maxInputBytes)
        if let track = try catalog.track(contentHash: hash), index.contains(id: track.id) {
            return Resolved(seed: .track(track.id), trackID: track.id, label: "file \(path) (track \(track.id))")
        }
        guard model == TrackEmbedder.modelName else {
            throw SeedError(message: "\(path) is not in the catalog, and only \(TrackEmbedder.modelName) vectors can be computed on the fly")
        }
        let embedding = try embedder.embed(file: path)
        return Resolved(seed: .vector(embedding.vector), trackID: nil, label: "file \(path) (embedded)")
    }
}

public struct SeedError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
