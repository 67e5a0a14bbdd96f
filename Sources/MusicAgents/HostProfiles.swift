import MusicCatalog
import TasteCore

/// A room definition's `host_profile` (track ids or "Title - Artist") as the host's stored
/// profile.
public enum HostProfiles {
    /// Resolves `entries`, replaces the host's `host_profile` entries with them (keeping what
    /// the host published itself) and stores the profile. Returns the resolution, so the
    /// caller can report what did not resolve.
    /// The room → host mapping is stored too (a bot or worker reading the same database
    /// knows whose profile the room compares against), in the context's profile storage.
    @discardableResult
    public static func store(_ entries: [String], host: String, room: String, in context: MusicContext) throws -> ProfileResolution {
        let resolution = context.resolve(entries.map(ProfileUpdate.Item.parse(definitionEntry:)), index: context.index.snapshot)
        let now = MusicContext.wallSeconds
        try context.profileStorage.replaceProfile(
            identity: host, source: ProfileSource.hostProfile.rawValue,
            with: resolution.trackIDs.map { ProfileTrack(trackID: $0, source: ProfileSource.hostProfile.rawValue, addedAt: now) }
        )
        try context.profileStorage.setRoomHost(room: room, identity: host)
        return resolution
    }
}
