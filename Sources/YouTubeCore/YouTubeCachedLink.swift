/// One cached search answer and whether it still stands (docs/youtube.md#cache). A video found
/// stays (a track's video rarely disappears, and asking again costs quota); "no video" is
/// asked again after `negativeSeconds`, since a video may be uploaded later.
public struct YouTubeCachedLink: Sendable, Equatable {
    /// The video found; nil: the search found none.
    public var videoID: String?
    /// Wall-clock seconds since 1970 when the search answered.
    public var fetchedAt: Double

    public init(videoID: String?, fetchedAt: Double) {
        self.videoID = videoID
        self.fetchedAt = fetchedAt
    }

    /// Whether the answer still stands at `now` (wall-clock seconds).
    public func isFresh(now: Double, negativeSeconds: Double) -> Bool {
        videoID != nil || now - fetchedAt < negativeSeconds
    }

    /// `https://www.youtube.com/watch?v=…`, nil without a video.
    public var url: String? { videoID.map(YouTubeAPI.watchURL) }
}
