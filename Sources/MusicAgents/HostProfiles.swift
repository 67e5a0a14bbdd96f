import TasteCore

/// A room definition's `host_profile` (track ids or "Title - Artist") as the host's stored
/// profile.
public enum HostProfiles {
    /// Resolves `entries`, replaces the host's `host_profile` entries with them (keeping what
    /// the host published itself) and stores the profile. Returns the resolution, so the
    /// caller can report what did not resolve.
    @discardableResult
    public static func store(_ entries: [String], host: String, in context: MusicContext) -> ProfileResolution {
        let resolution = context.resolve(entries.map(ProfileUpdate.Item.parse(definitionEntry:)), index: context.index.snapshot)
        var profile = context.profiles.load(host)
        profile.remove(source: .hostProfile)
        let now = MusicContext.wallSeconds
        profile.extend(with: resolution.trackIDs.map { ProfileEntry(trackID: $0, source: .hostProfile, addedAt: now) })
        context.profiles.save(profile, for: host)
        return resolution
    }
}
