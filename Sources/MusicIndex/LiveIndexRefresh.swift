import MusicCatalog
import Synchronization
import VectorSearch

/// Keeps a `LiveIndex` in step with a catalog that another process writes: a cluster node
/// that opens the shared catalog read-only while one node ingests (docs/cluster.md#the-catalog).
///
/// `refresh()` is cheap when nothing changed (one summary read over the vectors' primary key:
/// count, largest id, sum of ids). When the catalog grew, only the vectors of track ids above
/// the largest the index holds are read and added — ingest gives new tracks growing ids, so
/// that is what was ingested. When that does not account for the change (a track deleted,
/// ids reused), the whole index is loaded again and put in place. Searches never wait: they
/// run on the snapshot they took. Run it off the event loop: it reads SQLite.
public final class LiveIndexRefresh: Sendable {
    public let catalog: Catalog
    public let index: LiveIndex
    /// The catalog's summary as of the last refresh (nil: none yet, so the first one looks).
    private let seen = Mutex<Catalog.VectorSummary?>(nil)

    public init(catalog: Catalog, index: LiveIndex) {
        self.catalog = catalog
        self.index = index
    }

    /// What a refresh did.
    public enum Change: Sendable, Equatable {
        case unchanged
        /// Vectors of new tracks added to the index.
        case added(Int)
        /// The index was loaded again from the whole catalog (it now holds this many).
        case reloaded(Int)
    }

    /// Brings the index up to the catalog. Not meant to run twice at once (the caller runs
    /// one at a time); a write landing during a refresh is caught by the next one.
    public func refresh() throws -> Change {
        let summary = try catalog.vectorSummary(model: index.model)
        if seen.withLock({ $0 == summary }) { return .unchanged }
        let snapshot = index.snapshot
        let after = snapshot.ids.max() ?? .min
        if let table = try catalog.vectors(model: index.model, after: after), table.dimension == snapshot.dimension {
            for (i, id) in table.ids.enumerated() { index.upsert(id: id, vector: Array(table.row(i))) }
            let now = index.snapshot
            if now.count == summary.count && now.ids.reduce(0, &+) == summary.idSum {
                seen.withLock { $0 = summary }
                return table.ids.isEmpty ? .unchanged : .added(table.ids.count)
            }
        }
        let loaded = try VectorIndex.load(from: catalog, model: index.model)
        index.replace(loaded)
        seen.withLock { $0 = summary }
        return .reloaded(loaded.count)
    }
}
