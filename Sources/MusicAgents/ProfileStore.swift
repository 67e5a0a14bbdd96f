import MusicCatalog
import TasteCore

/// Taste profiles by identity as TasteCore's values, over a `ProfileStorage`: the catalog's
/// SQLite file alone, Redis in a cluster. A returning identity gets its profile back, and
/// every process reading the same storage — the server, bots, workers, other nodes — sees the
/// same profiles.
public final class ProfileStore: Sendable {
    private let storage: any ProfileStorage

    public init(storage: any ProfileStorage) {
        self.storage = storage
    }

    public func load(_ identity: String) throws -> TasteProfile {
        TasteProfile(try storage.profile(identity: identity).map {
            ProfileEntry(trackID: $0.trackID, weight: $0.weight, source: ProfileSource(rawValue: $0.source), addedAt: $0.addedAt)
        })
    }

    /// Stores `profile` as the identity's whole profile.
    public func save(_ profile: TasteProfile, for identity: String) throws {
        try storage.replaceProfile(identity: identity, with: profile.entries.map {
            ProfileTrack(trackID: $0.trackID, weight: $0.weight, source: $0.source.rawValue, addedAt: $0.addedAt)
        })
    }
}
