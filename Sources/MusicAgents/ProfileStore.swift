import Synchronization
import TasteCore

/// Taste profiles by identity.
public final class ProfileStore: Sendable {
    private let profiles = Mutex<[String: TasteProfile]>([:])

    public init() {}

    public func load(_ identity: String) -> TasteProfile {
        profiles.withLock { $0[identity] ?? TasteProfile() }
    }

    public func save(_ profile: TasteProfile, for identity: String) {
        profiles.withLock { $0[identity] = profile }
    }
}
