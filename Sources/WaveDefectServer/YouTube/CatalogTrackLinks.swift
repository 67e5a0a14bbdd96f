import EventLoop
import MusicAgents
import MusicCatalog
import SystemClock
import TasteCore
import YouTubeCore

/// The agents' `TrackLinkSource` in the server: links from the catalog's `youtube_links`
/// (read on the agent's pool thread), and for tracks not cached yet a background lookup on
/// the loop (`YouTubeLinks.prefetch`), so the next answer that shows them carries their links.
/// Installed only with a YouTube key.
final class CatalogTrackLinks: TrackLinkSource {
    private let catalog: Catalog
    private let negativeTTL: Double
    private let loop: LoopExecutor
    private let links: LoopBound<YouTubeLinks>

    init(catalog: Catalog, server: WaveDefectServer) {
        self.catalog = catalog
        negativeTTL = server.configuration.youtube.negativeTTL
        loop = server.loop.executor
        links = LoopBound(server.youtube)
    }

    func youtubeURLs(for tracks: [TrackInfo]) -> [Int64: String] {
        let keyed = tracks.filter { !$0.title.isEmpty }.map { t in
            (track: t, key: YouTubeAPI.cacheKey(YouTubeAPI.query(title: t.title, artist: t.artist)))
        }
        let rows = (try? catalog.youtubeLinks(keys: keyed.map(\.key))) ?? [:]
        let now = Double(SystemClock.wallMilliseconds) / 1000
        var out: [Int64: String] = [:]
        var missing: [TrackInfo] = []
        for (track, key) in keyed {
            if let row = rows[key] {
                let cached = YouTubeCachedLink(videoID: row.videoID, fetchedAt: row.fetchedAt)
                if cached.isFresh(now: now, negativeSeconds: negativeTTL) {
                    if let url = cached.url { out[track.id] = url }
                    continue
                }
            }
            missing.append(track)
        }
        if !missing.isEmpty {
            let (links, missing) = (self.links, missing)
            loop.execute {
                for t in missing { links.value.prefetch(title: t.title, artist: t.artist.isEmpty ? nil : t.artist) }
            }
        }
        return out
    }
}

/// A loop-thread object handed across threads only to be used back on the loop thread
/// (`EventLoop.execute`), which is what makes the unchecked sendability sound.
struct LoopBound<Value: AnyObject>: @unchecked Sendable {
    unowned let value: Value
    init(_ value: Value) { self.value = value }
}
