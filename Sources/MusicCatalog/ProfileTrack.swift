/// One stored track of a participant's taste profile (the row TasteCore's `ProfileEntry` is
/// read from and written to).
public struct ProfileTrack: Sendable, Equatable {
    public var trackID: Int64
    /// Relative importance inside the profile, > 0.
    public var weight: Double
    /// Where it came from: "profile", "seed", "thumb", "spotify_top", "host_profile", …
    public var source: String
    /// Unix time in seconds.
    public var addedAt: Double

    public init(trackID: Int64, weight: Double = 1, source: String, addedAt: Double) {
        self.trackID = trackID
        self.weight = weight
        self.source = source
        self.addedAt = addedAt
    }
}
