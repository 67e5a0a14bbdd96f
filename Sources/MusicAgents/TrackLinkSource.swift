import Synchronization
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
    /// False when the source can never answer (an empty `TrackLinkSlot`): agents then do not
    /// wait for links.
    var providesLinks: Bool { get }
}

extension TrackLinkSource {
    public var providesLinks: Bool { true }
}

/// A `TrackLinkSource` filled in later: agents made before the server's link source exists
/// (the executable's `recognizer`, registered before the server opens its catalog) hold this
/// slot, and `serve` installs the server's source into it once the server started. Empty, it
/// answers no links, as no source does.
public final class TrackLinkSlot: TrackLinkSource {
    private let source = Mutex<(any TrackLinkSource)?>(nil)

    public init() {}

    public func install(_ installed: (any TrackLinkSource)?) {
        source.withLock { $0 = installed }
    }

    public var providesLinks: Bool { source.withLock { $0?.providesLinks ?? false } }

    public func youtubeURLs(for tracks: [TrackInfo]) -> [Int64: String] {
        guard let current = source.withLock({ $0 }) else { return [:] }
        return current.youtubeURLs(for: tracks)
    }
}
