import HTTPClient
import MusicCatalog
import SystemClock
import YouTubeCore

/// YouTube links for tracks shown in a room (docs/youtube.md): now playing, and
/// recommendations. One YouTube Data API search per track — answers, "no video" included, are
/// cached in memory and in the catalog (`youtube_links`), concurrent asks for the same track
/// share one search, at most `maxPending` tracks wait, and after the quota ran out (or the key
/// was refused) no search goes out for `quotaPause` (`YouTubeSearchGate`). Without
/// `youtube_api_key` nothing is looked up. The key goes into the request's query string only,
/// which the HTTP client redacts from its logs.
final class YouTubeLinks {
    unowned let server: WaveDefectServer
    let settings: YouTubeLookupSettings
    private let apiKey: String?
    /// Answers by cache key. Bounded; the catalog keeps all.
    private var known: [String: YouTubeCachedLink] = [:]
    private var waiting: [String: [(String?) -> Void]] = [:]
    private var gate: YouTubeSearchGate
    static let maxRemembered = 10_000

    /// Counters for /metrics.
    struct Stats {
        var searches = 0
        var found = 0
        var notFound = 0
        var cacheHits = 0
        var failures: [String: Int] = [:]
        /// Asks answered "no link" without a search: gate closed or too many waiting.
        var skipped = 0
    }
    private(set) var stats = Stats()

    init(server: WaveDefectServer) {
        self.server = server
        settings = server.configuration.youtube
        apiKey = server.configuration.spotify.youtubeAPIKey
        gate = settings.gate
    }

    var isEnabled: Bool { apiKey != nil }
    var pendingCount: Int { waiting.count }
    /// Seconds until searches resume (0: open).
    var pausedSeconds: Double { max(0, gate.closedUntil - Self.now) }

    private static var now: Double { Double(SystemClock.monotonicNanoseconds) / 1e9 }
    private static var wallNow: Double { Double(SystemClock.wallMilliseconds) / 1000 }

    /// The video URL for a track (nil: no key, nothing found, or no answer now), on the loop
    /// thread — at once when it is known.
    func link(title: String, artist: String?, completion: @escaping (String?) -> Void) {
        guard let apiKey, !title.isEmpty else { return completion(nil) }
        let query = YouTubeAPI.query(title: title, artist: artist)
        let key = YouTubeAPI.cacheKey(query)
        if let answer = known[key], answer.isFresh(now: Self.wallNow, negativeSeconds: settings.negativeTTL) {
            stats.cacheHits += 1
            return completion(answer.url)
        }
        if waiting[key] != nil {
            waiting[key]?.append(completion)
            return
        }
        guard waiting.count < settings.maxPending else {
            stats.skipped += 1
            return completion(nil)
        }
        waiting[key] = [completion]
        guard let library = server.music else { return search(query, key: key, apiKey: apiKey) }
        let negativeTTL = settings.negativeTTL
        server.loop.submit(work: { () -> YouTubeCachedLink? in
            guard let row = try? library.catalog.youtubeLink(key: key) else { return nil }
            let stored = YouTubeCachedLink(videoID: row.videoID, fetchedAt: row.fetchedAt)
            return stored.isFresh(now: Self.wallNow, negativeSeconds: negativeTTL) ? stored : nil
        }, then: { [weak self] stored in
            guard let self else { return }
            if let stored {
                self.stats.cacheHits += 1
                self.finish(key, stored)
            } else {
                self.search(query, key: key, apiKey: apiKey)
            }
        })
    }

    /// Starts a lookup whose answer nobody waits for (a track shown before its link was known).
    func prefetch(title: String, artist: String?) {
        link(title: title, artist: artist) { _ in }
    }

    private func search(_ query: String, key: String, apiKey: String) {
        guard gate.isOpen(now: Self.now) else {
            stats.skipped += 1
            return finish(key, nil)
        }
        stats.searches += 1
        let url = YouTubeAPI.searchURL(base: server.configuration.spotify.youtubeAPIBase, query: query, key: apiKey)
        var request = HTTPClientRequest(url: url, headers: [("Accept", "application/json")], timeout: settings.requestTimeout)
        request.maxResponseBodyBytes = YouTubeAPI.maxBodyBytes
        server.httpClient.perform(request) { [weak self] result in
            guard let self else { return }
            let answer: Result<String?, YouTubeSearchError>
            switch result {
            case .success(let response): answer = YouTubeAPI.answer(status: response.status, body: response.body)
            case .failure(let error): answer = .failure(.transport(error.description))
            }
            switch answer {
            case .success(let videoID):
                self.gate.succeeded()
                if videoID == nil { self.stats.notFound += 1 } else { self.stats.found += 1 }
                let link = YouTubeCachedLink(videoID: videoID, fetchedAt: Self.wallNow)
                self.store(key, link)
                self.finish(key, link)
            case .failure(let error):
                // Not cached: asked again the next time the track is shown, once the gate opens.
                self.stats.failures[error.kind, default: 0] += 1
                let wasOpen = self.gate.isOpen(now: Self.now)
                let until = self.gate.failed(error, now: Self.now)
                if wasOpen {
                    self.server.logger.warning("youtube search failed; searches paused", metadata: [
                        "error": "\(error)", "paused_seconds": "\(Int((until - Self.now).rounded()))",
                    ])
                }
                self.finish(key, nil)
            }
        }
    }

    private func store(_ key: String, _ link: YouTubeCachedLink) {
        // A read-only catalog (a cluster node): the link stays in this node's memory only.
        guard let library = server.music, !library.isReadOnly else { return }
        server.loop.submit(work: { () -> Bool in
            (try? library.catalog.storeYouTubeLink(key: key, videoID: link.videoID, fetchedAt: link.fetchedAt)) != nil
        }, then: { [weak self] stored in
            if !stored { self?.server.logger.warning("youtube link not stored", metadata: ["key": "\(key)"]) }
        })
    }

    /// Hands `link` (nil: no answer to remember) to everyone waiting for `key`.
    private func finish(_ key: String, _ link: YouTubeCachedLink?) {
        if let link {
            if known.count >= Self.maxRemembered { known.removeAll(keepingCapacity: true) }
            known[key] = link
        }
        for completion in waiting.removeValue(forKey: key) ?? [] { completion(link?.url) }
    }
}

extension WaveDefectServer {
    /// The YouTube series of /metrics (docs/youtube.md#metrics); none without a key.
    func writeYouTubeMetrics(to p: inout PrometheusExposition) {
        guard youtube.isEnabled else { return }
        let s = youtube.stats
        p.metric("wavedefect_youtube_lookups_total", "counter", "YouTube link lookups, by how they were answered.")
        for (outcome, n) in [("found", s.found), ("not_found", s.notFound), ("cached", s.cacheHits), ("skipped", s.skipped)] {
            p.sample("wavedefect_youtube_lookups_total", [("outcome", outcome)], Double(n))
        }
        p.metric("wavedefect_youtube_searches_total", "counter", "YouTube Data API searches made (100 quota units each).")
        p.sample("wavedefect_youtube_searches_total", [], Double(s.searches))
        p.metric("wavedefect_youtube_search_failures_total", "counter", "YouTube searches without an answer, by kind.")
        for kind in ["quota", "key", "status", "unreadable", "transport"] {
            p.sample("wavedefect_youtube_search_failures_total", [("kind", kind)], Double(s.failures[kind] ?? 0))
        }
        p.metric("wavedefect_youtube_paused_seconds", "gauge", "Seconds until YouTube searches resume (0: searching).")
        p.sample("wavedefect_youtube_paused_seconds", [], youtube.pausedSeconds)
    }
}
