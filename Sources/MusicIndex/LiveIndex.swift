import MusicCatalog
import Synchronization
import VectorSearch

/// The in-memory index the server searches, shared between request handlers and ingest.
///
/// Searches run on a snapshot taken under the lock (a copy-on-write value, so taking it is
/// O(1)); updates mutate under the lock. A search never waits for a scan in progress.
public final class LiveIndex: Sendable {
    private let current: Mutex<VectorIndex>
    public let model: String

    public init(_ index: VectorIndex, model: String) {
        current = Mutex(index)
        self.model = model
    }

    /// Loads every vector of `model` from the catalog.
    public convenience init(catalog: Catalog, model: String = BuiltInEmbedding.modelName) throws {
        self.init(try VectorIndex.load(from: catalog, model: model), model: model)
    }

    public var snapshot: VectorIndex { current.withLock { $0 } }

    public var count: Int { current.withLock { $0.count } }

    public func upsert(id: Int64, vector: [Float]) {
        current.withLock { $0.upsert(id: id, vector: vector) }
    }

    public func remove(id: Int64) {
        current.withLock { $0.remove(id: id) }
    }

    public func search(_ query: SimilarityQuery) throws(SearchError) -> [SearchResult] {
        try snapshot.search(query)
    }

    /// Puts a freshly loaded index in place (`LiveIndexRefresh`); searches in progress keep
    /// the snapshot they took.
    public func replace(_ index: VectorIndex) {
        current.withLock { $0 = index }
    }

    /// Re-learns the standardization (after a large ingest changed the catalog's spread).
    public func relearnStandardization() {
        current.withLock { $0.relearnStandardization() }
    }
}

extension VectorIndex {
    /// Whether vectors of `model` are standardized before cosine: yes for the MFCC summary,
    /// whose dimensions have wildly different scales; no for other models, whose authors
    /// designed them for raw cosine.
    public static func standardizes(model: String) -> Bool { model == BuiltInEmbedding.modelName }

    /// The index of every vector of `model` in the catalog. An unknown model gives an empty
    /// index (of the MFCC dimension for the MFCC model, so ingest can fill it).
    public static func load(from catalog: Catalog, model: String = BuiltInEmbedding.modelName) throws -> VectorIndex {
        let standardize = standardizes(model: model)
        guard let table = try catalog.vectors(model: model) else {
            let dimension = model == BuiltInEmbedding.modelName ? BuiltInEmbedding.dimension : 1
            return VectorIndex(dimension: dimension, standardize: standardize)
        }
        return VectorIndex(dimension: table.dimension, ids: table.ids, vectors: table.values, standardize: standardize)
    }
}
