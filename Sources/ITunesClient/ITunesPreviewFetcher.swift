import EventLoop
import HTTPClient
import ITunesCore
import MusicCatalog
import MusicIndex
import SystemClock

/// Turns tracks the catalog lacks into catalog tracks through iTunes previews, on the loop
/// (docs/itunes.md): search → pick (`ITunesMatcher`) → download the 30 s AAC preview → decode
/// and embed on the thread pool → store with its Spotify id, ISRC and iTunes id, so the next
/// lookup of the same track is answered from the catalog without a call.
///
/// `LookupQueue` decides what runs and when each call to Apple may go out; this class carries
/// it out with the loop's one HTTP client and one-shot timers. Everything here runs on the
/// loop thread; SQLite, decoding and embedding run on the thread pool. Every completion runs
/// exactly once, on the loop thread.
public final class ITunesPreviewFetcher {
    public let settings: ITunesSettings
    public private(set) var stats = ITunesStats()
    let loop: EventLoop
    let http: CurlMulti
    let catalog: Catalog
    let index: LiveIndex?
    let embed: PreviewEmbedder
    var queue: LookupQueue<String>

    enum Job {
        case lookup(WantedTrack)
        /// A known iTunes result (the crawl): no search, straight to the download.
        case ingest(ITunesTrack)
    }

    struct Pending {
        let job: Job
        /// The caller that queued the lookup, then those that asked for the same key while
        /// it waited or ran: all hear the one outcome.
        var completions: [(PreviewOutcome) -> Void]
    }

    private var jobs: [String: Pending] = [:]
    private var tasks: [String: HTTPClientTask] = [:]
    /// Calls waiting for their pacing slot, each with its one-shot timer.
    private var waits: [Int: LoopTimer] = [:]
    private var nextWait = 0
    public private(set) var isClosed = false
    /// Lookups refused because the queue was full, admitted again when `deferralTimer` fires
    /// (`settings.refusedRetrySeconds`), each at most `settings.retry.maxRetries` times.
    private var deferred: [(key: String, job: Job, completion: (PreviewOutcome) -> Void, attempts: Int)] = []
    private var deferralTimer: LoopTimer?

    public init(loop: EventLoop, http: CurlMulti, catalog: Catalog, index: LiveIndex?, settings: ITunesSettings, embed: @escaping PreviewEmbedder) {
        self.loop = loop
        self.http = http
        self.catalog = catalog
        self.index = index
        self.settings = settings
        self.embed = embed
        queue = LookupQueue(configuration: settings.queue)
    }

    /// Lookups waiting and running.
    public var pendingCount: Int { jobs.count }
    /// Lookups waiting for their turn.
    public var waitingCount: Int { queue.waitingCount }
    /// Lookups refused for a full queue, to be admitted again later.
    public var deferredCount: Int { deferred.count }
    /// Lookups under way (searching, downloading, embedding).
    public var runningCount: Int { queue.running.count }

    /// Finds `wanted` in the catalog or through iTunes. The completion says how it ended. A
    /// lookup of a key already waiting or running joins it (one search, one download, every
    /// caller hears the outcome); a refused one completes at once with `.refused`.
    public func lookup(_ wanted: WantedTrack, completion: @escaping (PreviewOutcome) -> Void) {
        admit(wanted.key, .lookup(wanted), completion)
    }

    /// Downloads and stores one search result (skipped when its iTunes id is known).
    public func ingest(_ track: ITunesTrack, completion: @escaping (PreviewOutcome) -> Void) {
        admit("itunes:\(track.trackID)", .ingest(track), completion)
    }

    /// One paced search call, outside the queue (the crawl's listing).
    public func search(term: String, limit: Int, completion: @escaping (Result<[ITunesTrack], ITunesFetchError>) -> Void) {
        let url = ITunesSearchAPI.searchURL(base: settings.base, term: term, limit: limit, country: settings.country)
        stats.searches += 1
        call(request(url, maxBytes: ITunesSearchAPI.maxSearchBodyBytes), key: nil) { result in
            completion(Self.readSearch(result))
        }
    }

    /// Cancels everything: waiting lookups complete with `.failed`, requests in flight are
    /// cancelled (their lookups fail the same way).
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        for timer in waits.values { timer.stop() }
        waits.removeAll()
        deferralTimer?.stop()
        for d in deferred { d.completion(.failed("iTunes client closed")) }
        deferred.removeAll()
        for key in queue.drain() { complete(key, .failed("iTunes client closed")) }
        for task in tasks.values { task.cancel() }
        tasks.removeAll()
        // Lookups waiting for a pacing slot or a retry hear it too.
        for key in Array(jobs.keys) { complete(key, .failed("iTunes client closed")) }
    }

    // MARK: Driving the queue

    private func admit(_ key: String, _ job: Job, _ completion: @escaping (PreviewOutcome) -> Void, attempts: Int = 0) {
        guard !isClosed else { return completion(.failed("iTunes client closed")) }
        let admission = queue.enqueue(key, now: SystemClock.monotonicNanoseconds)
        switch admission {
        case .queued:
            jobs[key] = Pending(job: job, completions: [completion])
            pump()
        case .alreadyQueued, .running:
            stats.joined += 1
            jobs[key]?.completions.append(completion)
        case .full where attempts < settings.retry.maxRetries && deferred.count < settings.queue.maxQueued:
            // Not lost: admitted again once the queue had time to drain.
            deferred.append((key, job, completion, attempts + 1))
            if deferralTimer == nil {
                deferralTimer = LoopTimer(loop: loop) { [weak self] in self?.admitDeferred() }
            }
            if deferred.count == 1 { deferralTimer?.start(afterMilliseconds: UInt64(max(0, settings.refusedRetrySeconds) * 1000)) }
        case .recentlyUnmatched, .full:
            stats.refused += 1
            completion(.refused(admission))
        }
    }

    private func admitDeferred() {
        let again = deferred
        deferred.removeAll()
        for d in again { admit(d.key, d.job, d.completion, attempts: d.attempts) }
    }

    private func pump() {
        while !isClosed, let key = queue.next() {
            guard let pending = jobs[key] else { continue }
            switch pending.job {
            case .lookup(let wanted): resolveKnown(key, wanted)
            case .ingest(let track): resolvePick(key, track, wanted: nil)
            }
        }
    }

    func complete(_ key: String, _ outcome: PreviewOutcome) {
        guard let pending = jobs.removeValue(forKey: key) else { return }
        tasks[key] = nil
        var matched = true
        switch outcome {
        case .known: stats.known += 1
        case .stored: stats.stored += 1
        case .noMatch:
            stats.unmatched += 1
            matched = false
        case .failed: stats.failures += 1
        case .refused: stats.refused += 1
        }
        queue.finish(key, matched: matched, now: SystemClock.monotonicNanoseconds)
        for completion in pending.completions { completion(outcome) }
        pump()
    }

    // MARK: The steps of a lookup

    /// Step 1: the catalog may know the track by its Spotify id or ISRC already.
    private func resolveKnown(_ key: String, _ wanted: WantedTrack) {
        let catalog = self.catalog
        loop.submit(work: { CatalogLinks.known(wanted, in: catalog) }, then: { [weak self] id in
            guard let self, !self.isClosed else { return }
            if let id { return self.complete(key, .known(trackID: id)) }
            self.searchFor(key, wanted)
        })
    }

    /// Step 2: search iTunes and pick by the match rule.
    private func searchFor(_ key: String, _ wanted: WantedTrack) {
        let url = ITunesSearchAPI.searchURL(base: settings.base, term: wanted.searchTerm, limit: settings.searchLimit, country: settings.country)
        stats.searches += 1
        call(request(url, maxBytes: ITunesSearchAPI.maxSearchBodyBytes), key: key) { [weak self] result in
            guard let self else { return }
            switch Self.readSearch(result) {
            case .failure(let error): self.complete(key, .failed(error.description))
            case .success(let candidates):
                guard let match = self.settings.matcher.pick(wanted, among: candidates) else { return self.complete(key, .noMatch) }
                self.resolvePick(key, match.track, wanted: wanted)
            }
        }
    }

    /// Step 3: the picked iTunes id may be in the catalog already (it then learns the Spotify
    /// id and ISRC too); otherwise the preview is downloaded.
    private func resolvePick(_ key: String, _ track: ITunesTrack, wanted: WantedTrack?) {
        let catalog = self.catalog
        loop.submit(work: { CatalogLinks.knownITunes(track.trackID, linking: wanted, in: catalog) }, then: { [weak self] id in
            guard let self, !self.isClosed else { return }
            if let id { return self.complete(key, .known(trackID: id)) }
            self.download(key, track, wanted: wanted)
        })
    }

    /// Step 4: the preview, size-capped.
    private func download(_ key: String, _ track: ITunesTrack, wanted: WantedTrack?) {
        guard let url = track.previewURL else { return complete(key, .failed("iTunes track \(track.trackID) has no preview")) }
        var r = request(url, maxBytes: settings.maxPreviewBytes)
        r.followRedirects = true
        stats.downloads += 1
        call(r, key: key) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error):
                self.complete(key, .failed("preview of iTunes track \(track.trackID) not downloaded: \(error)"))
            case .success(let response) where response.status != 200:
                self.complete(key, .failed("preview of iTunes track \(track.trackID): HTTP \(response.status) from \(HTTPClientRequest.redact(url))"))
            case .success(let response):
                self.stats.previewBytes += response.body.count
                self.store(key, response.body, track, wanted: wanted)
            }
        }
    }

    /// Step 5, on the thread pool: decode from memory, embed, store.
    private func store(_ key: String, _ bytes: [UInt8], _ track: ITunesTrack, wanted: WantedTrack?) {
        let (catalog, index, embed) = (self.catalog, self.index, self.embed)
        loop.submit(work: { CatalogLinks.store(bytes, of: track, wanted: wanted, embed: embed, catalog: catalog, index: index) }, then: { [weak self] stored in
            guard let self else { return }
            self.stats.embedSeconds += stored.cpuSeconds
            self.complete(key, stored.outcome)
        })
    }

    // MARK: Calls

    private func request(_ url: String, maxBytes: Int) -> HTTPClientRequest {
        var r = HTTPClientRequest(url: url, headers: [("Accept", "*/*")], timeout: settings.requestTimeout)
        r.maxResponseBodyBytes = maxBytes
        return r
    }

    /// Sends `request` in its pacing slot and tries a transient failure again as
    /// `settings.retry` says (each try takes a pacing slot of its own); the completion hears
    /// the last answer.
    private func call(
        _ request: HTTPClientRequest, key: String?, failedAttempts: Int = 0,
        completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void
    ) {
        paced(request, key: key) { [weak self] result in
            guard let self, !self.isClosed else { return completion(result) }
            let failure: RetryPolicy.Failure?
            switch result {
            case .failure(let error): failure = error == .cancelled ? nil : .transport(transient: error.isTransient)
            case .success(let response) where response.status != 200:
                failure = .status(response.status, retryAfter: response.header("Retry-After"))
            case .success: failure = nil
            }
            guard let failure, let delay = self.settings.retry.delay(after: failure, failedAttempts: failedAttempts + 1) else {
                return completion(result)
            }
            self.stats.retries += 1
            self.wait(seconds: delay) { [weak self] in
                guard let self, !self.isClosed else { return completion(.failure(.cancelled)) }
                self.call(request, key: key, failedAttempts: failedAttempts + 1, completion: completion)
            }
        }
    }

    /// Runs `body` after `seconds` on a one-shot timer (dropped by `close`), counted from now
    /// rather than from the loop's cached time: a `Retry-After` is never cut short by a long
    /// loop turn.
    private func wait(seconds: Double, _ body: @escaping () -> Void) {
        let deadline = SystemClock.monotonicNanoseconds &+ SystemClock.nanoseconds(fromSeconds: seconds)
        let id = nextWait
        nextWait += 1
        let timer = LoopTimer(loop: loop) { [weak self] in
            self?.waits[id] = nil
            body()
        }
        waits[id] = timer
        timer.start(at: deadline)
    }

    /// Sends `request` in its pacing slot (at once when the slot is now).
    private func paced(_ request: HTTPClientRequest, key: String?, completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void) {
        let now = SystemClock.monotonicNanoseconds
        let at = queue.reserveCall(now: now)
        let send = { [weak self] in
            guard let self, !self.isClosed else { return completion(.failure(.cancelled)) }
            let task = self.http.perform(request, completion: completion)
            if let key, task.isPending { self.tasks[key] = task }
        }
        guard at > now else { return send() }
        wait(seconds: Double(at - now) / 1e9, send)
    }

    static func readSearch(_ result: Result<HTTPClientResponse, HTTPClientError>) -> Result<[ITunesTrack], ITunesFetchError> {
        switch result {
        case .failure(let error): return .failure(.transport(error))
        case .success(let response) where response.status != 200: return .failure(.status(response.status))
        case .success(let response):
            do {
                return .success(try ITunesSearchAPI.tracks(body: response.body))
            } catch {
                return .failure(.unreadable(error))
            }
        }
    }
}
