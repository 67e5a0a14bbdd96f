import MusicCatalog
import TasteCore

/// Taste profiles by identity, in the catalog's SQLite file (MusicCatalog's profile
/// tables): a returning identity gets its profile back, and every process opening the same
/// database — the server, bots, workers — sees the same profiles.
public final class ProfileStore: Sendable {
    private let catalog: Catalog

    public init(catalog: Catalog) {
        self.catalog = catalog
    }

    public func load(_ identity: String) throws -> TasteProfile {
        TasteProfile(try catalog.profile(identity: identity).map {
            ProfileEntry(trackID: $0.trackID, weight: $0.weight, source: ProfileSource(rawValue: $0.source), addedAt: $0.addedAt)
        })
    }

    /// Stores `profile` as the identity's whole profile.
    public func save(_ profile: TasteProfile, for identity: String) throws {
        try catalog.replaceProfile(identity: identity, with: profile.entries.map {
            ProfileTrack(trackID: $0.trackID, weight: $0.weight, source: $0.source.rawValue, addedAt: $0.addedAt)
        })
    }
}
