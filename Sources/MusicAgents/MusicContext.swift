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
    /// Where profiles and room hosts live (the catalog itself unless a cluster gives Redis).
    public let profileStorage: any ProfileStorage
    /// YouTube links for published tracks; nil: none (`youtube_url` null).
    public let trackLinks: (any TrackLinkSource)?
    private let directoryCache = Mutex<(count: Int, directory: TrackDirectory)>((-1, TrackDirectory()))

    public init(catalog: Catalog, index: LiveIndex, trackLinks: (any TrackLinkSource)? = nil, profileStorage: (any ProfileStorage)? = nil) {
        self.catalog = catalog
        self.index = index
        self.trackLinks = trackLinks
        self.profileStorage = profileStorage ?? catalog
        profiles = ProfileStore(storage: self.profileStorage)
    }

    /// Titles and artists of every catalog track, for payloads and explanations.
    public func directory() throws -> TrackDirectory {
        let count = try catalog.trackCount()
        if let cached = directoryCache.withLock({ $0.count == count ? $0.directory : nil }) { return cached }
        let directory = TrackDirectory(try catalog.allTracks().map(Self.info))
        directoryCache.withLock { $0 = (count, directory) }
        return directory
    }

    /// The YouTube links of `trackIDs` known now (cache only; see `TrackLinkSource`).
    public func youtubeURLs(for trackIDs: [Int64], in directory: TrackDirectory) -> [Int64: String] {
        guard let trackLinks, !trackIDs.isEmpty else { return [:] }
        return trackLinks.youtubeURLs(for: trackIDs.map { directory[$0] })
    }

    static func info(_ t: Track) -> TrackInfo {
        TrackInfo(id: t.id, title: t.title ?? "", artist: t.artist ?? "", album: t.album ?? "")
    }

    /// Resolves profile entries against the index (ids) and the catalog's fuzzy search
    /// (titles; `TrackTextMatcher` lets the artist decide). Unresolved entries come back
    /// with a reason.
    public func resolve(_ items: [ProfileUpdate.Item], index snapshot: VectorIndex) -> ProfileResolution {
        ProfileResolution.resolve(items, exists: { snapshot.contains(id: $0) }, search: { title, artist in
            let query = title.trimmingCharacters(in: .whitespaces)
            guard !query.isEmpty, let hits = try? catalog.searchTracks(query: query, limit: 20) else { return nil }
            let usable = hits.filter { snapshot.contains(id: $0.track.id) }.map { Self.info($0.track) }
            return TrackTextMatcher.pick(title: query, artist: artist, hits: usable)
        })
    }

    public static var wallSeconds: Double { Date().timeIntervalSince1970 }
}
