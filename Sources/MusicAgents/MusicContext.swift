import Foundation
import MusicCatalog
import MusicIndex
import Synchronization
import TasteCore
import VectorSearch

/// What the music agents share in one process: the catalog, the live index, stored
/// profiles, and a directory of track metadata rebuilt only when the catalog grows.
public final class MusicContext: Sendable {
    public let catalog: Catalog
    public let index: LiveIndex
    public let profiles: ProfileStore
    private let directoryCache = Mutex<(count: Int, directory: TrackDirectory)>((-1, TrackDirectory()))

    public init(catalog: Catalog, index: LiveIndex, profiles: ProfileStore) {
        self.catalog = catalog
        self.index = index
        self.profiles = profiles
    }

    /// Titles and artists of every catalog track, for payloads and explanations.
    public func directory() throws -> TrackDirectory {
        let count = try catalog.trackCount()
        if let cached = directoryCache.withLock({ $0.count == count ? $0.directory : nil }) { return cached }
        let directory = TrackDirectory(try catalog.allTracks().map(Self.info))
        directoryCache.withLock { $0 = (count, directory) }
        return directory
    }

    static func info(_ t: Track) -> TrackInfo {
        TrackInfo(id: t.id, title: t.title ?? "", artist: t.artist ?? "", album: t.album ?? "")
    }

    /// Resolves profile entries against the index (ids) and the catalog's fuzzy search
    /// (titles, narrowed by artist when given). Unresolved entries come back with a reason.
    public func resolve(_ items: [ProfileUpdate.Item], index snapshot: VectorIndex) -> ProfileResolution {
        ProfileResolution.resolve(items, exists: { snapshot.contains(id: $0) }, search: { title, artist in
            let query = title.trimmingCharacters(in: .whitespaces)
            guard !query.isEmpty, let hits = try? catalog.searchTracks(query: query, limit: 20) else { return nil }
            let usable = hits.filter { snapshot.contains(id: $0.track.id) }
            if let artist, !artist.isEmpty {
                let wanted = artist.lowercased()
                return usable.first { ($0.track.artist ?? "").lowercased().contains(wanted) }?.track.id
            }
            return usable.first?.track.id
        })
    }

    public static var wallSeconds: Double { Date().timeIntervalSince1970 }
}
