import TasteCore

/// Where agents get the YouTube links of the tracks they publish (docs/youtube.md). Agents do
/// no I/O, so a source answers from what is cached (the catalog's `youtube_links`) and may ask
/// its owner to look the rest up in the background: the next answer that shows those tracks
/// carries their links. The server installs one when a YouTube key is configured; without one
/// (bots, workers, no key) agents publish `youtube_url` null.
public protocol TrackLinkSource: Sendable {
    /// Video URLs by catalog id for the tracks that have one cached; called on the agent's
    /// pool thread.
    func youtubeURLs(for tracks: [TrackInfo]) -> [Int64: String]
}
