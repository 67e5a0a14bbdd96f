/// A guest's taste against the host's, shaped for a page that draws them side by side.
public struct TasteResult: Sendable, Equatable {
    /// Two tracks that sound alike, one from each side.
    public struct Match: Sendable, Equatable {
        public var hostTrack: TrackInfo
        public var guestTrack: TrackInfo
        /// Cosine of the two tracks in the index's space, clamped to 0…1.
        public var score: Double
    }

    /// A cluster of the union of both profiles, and how much of it each side has.
    public struct Pocket: Sendable, Equatable {
        public var label: String
        public var host: Int
        public var guest: Int
        public var shared: Bool { host > 0 && guest > 0 }
    }

    public var host: String
    public var guest: String
    /// 0…1; see `TasteComparer` for how it is computed.
    public var similarity: Double
    public var hostTracks: [TrackInfo]
    public var guestTracks: [TrackInfo]
    public var matches: [Match]
    public var pockets: [Pocket]
    public var explanation: String
}
