import ByteStorage
import EventLoop
import HTTPClient
import SystemClock
import RoomCore
import SpotifyCore
import WireProtocol

/// One participant's Spotify polling on the loop: carries out what `SpotifyPoller` decides
/// (requests through the server's HTTP client, one timer, publications on `now-playing`).
/// The token lives in the poller only; it goes into the `Authorization` header and nowhere
/// else (no log line, no message).
final class SpotifyLink {
    unowned let server: WaveDefectServer
    let room: Room
    let participant: Participant
    private var poller: SpotifyPoller
    private var timer: LoopTimer?
    private var nowPlayingTask: HTTPClientTask?
    var topTracksTask: HTTPClientTask?
    /// Catalog ids by Spotify id, so a track seen again is published without a lookup.
    private var catalogIDs: [String: Int64?] = [:]
    /// Bumped per publication: a lookup that finishes after a newer state was published is
    /// dropped instead of publishing an older state last.
    private var publications = 0

    init(server: WaveDefectServer, room: Room, participant: Participant, configuration: SpotifyPoller.Configuration) {
        self.server = server
        self.room = room
        self.participant = participant
        poller = SpotifyPoller(configuration: configuration)
    }

    var phase: SpotifyPoller.Phase { poller.phase }

    /// Requests of this link out now (for /metrics).
    var requestsInFlight: Int { (nowPlayingTask?.isPending == true ? 1 : 0) + (topTracksTask?.isPending == true ? 1 : 0) }

    func receiveToken(_ request: SpotifyTokenRequest) {
        perform(poller.receiveToken(request.accessToken, expiresIn: request.expiresIn, now: SystemClock.monotonicNanoseconds))
    }

    /// The participant left: drop the token, cancel what is out.
    func stop() {
        perform(poller.stop())
        nowPlayingTask?.cancel()
        topTracksTask?.cancel()
        nowPlayingTask = nil
        topTracksTask = nil
        timer = nil
    }

    func topTracksFailed() {
        poller.topTracksFailed()
    }

    var isPresent: Bool { room.participant(identity: participant.identity) === participant }

    private func perform(_ actions: [SpotifyPoller.Action]) {
        for action in actions {
            switch action {
            case .fetchNowPlaying(let token): fetchNowPlaying(token)
            case .fetchTopTracks(let token): fetchTopTracks(token)
            case .publish(let playback): publish(playback)
            case .notifyExpired:
                server.spotifyStats.expired += 1
                participant.endpoint?.deliver(SpotifyLink.expiredFrame, lossy: false, broadcast: false)
            case .wake(let at):
                if timer == nil { timer = LoopTimer(loop: server.loop) { [unowned self] in self.perform(self.poller.wake(now: SystemClock.monotonicNanoseconds)) } }
                let now = SystemClock.monotonicNanoseconds
                timer?.start(afterMilliseconds: at > now ? (at - now + 999_999) / 1_000_000 : 0)
            case .cancelWake:
                timer?.stop()
            }
        }
    }

    static let expiredFrame: SharedBytes = ServerMessage.frame(capacity: 48) { w in w.raw(NowPlayingMessage.expired) }

    func request(_ url: String, token: String) -> HTTPClientRequest {
        var r = HTTPClientRequest(url: url, headers: [("Authorization", SpotifyAPI.authorization(token)), ("Accept", "application/json")], timeout: server.configuration.spotify.requestTimeout)
        r.maxResponseBodyBytes = SpotifyAPI.maxBodyBytes
        return r
    }

    private func fetchNowPlaying(_ token: String) {
        server.spotifyStats.polls += 1
        let url = SpotifyAPI.nowPlayingURL(base: server.configuration.spotify.apiBase)
        nowPlayingTask = server.httpClient.perform(request(url, token: token)) { [weak self] result in
            guard let self, self.poller.phase != .stopped else { return }
            self.nowPlayingTask = nil
            let outcome: SpotifyPoller.Outcome
            switch result {
            case .success(let response):
                outcome = SpotifyAPI.nowPlayingOutcome(status: response.status, retryAfter: response.header("Retry-After"), body: response.body)
            case .failure(let error):
                self.server.logger.debug("spotify request failed", metadata: ["identity": "\(self.participant.identity)", "error": "\(error.description)"])
                outcome = .failed
            }
            let readable = if case .playback = outcome { true } else { false }
            if let kind = SpotifyStats.pollError(result, readable: readable) { self.server.spotifyStats.pollErrors[kind, default: 0] += 1 }
            self.perform(self.poller.receive(outcome, now: SystemClock.monotonicNanoseconds))
        }
    }

    private func publish(_ playback: SpotifyPlayback) {
        publications += 1
        let serial = publications
        guard let track = playback.track, let library = server.music else {
            withYouTubeLink(playback, catalogID: nil, serial: serial)
            return
        }
        if let known = catalogIDs[track.spotifyID] {
            withYouTubeLink(playback, catalogID: known, serial: serial)
            return
        }
        server.loop.submit(work: { () -> Int64? in
            library.catalogID(for: track)
        }, then: { [weak self] id in
            guard let self, self.poller.phase != .stopped else { return }
            self.catalogIDs[track.spotifyID] = .some(id)
            if id == nil {
                // Unknown to the catalog: iTunes may have it; the next publication of the
                // track then carries its catalog id.
                self.server.lookUpPreview(of: track, identity: self.participant.identity, profileSource: nil, weight: 0) { [weak self] found in
                    self?.catalogIDs[track.spotifyID] = .some(found)
                }
            }
            guard serial == self.publications else { return }
            self.withYouTubeLink(playback, catalogID: id, serial: serial)
        })
    }

    /// Publishes once the track's YouTube link is known (cache: at once; otherwise one search,
    /// docs/youtube.md). A newer state published meanwhile wins: this one is dropped.
    private func withYouTubeLink(_ playback: SpotifyPlayback, catalogID: Int64?, serial: Int) {
        guard let track = playback.track, server.youtube.isEnabled else { return send(playback, catalogID: catalogID, youtubeURL: nil) }
        server.youtube.link(title: track.name, artist: track.artists.first) { [weak self] url in
            guard let self, self.poller.phase != .stopped, serial == self.publications else { return }
            self.send(playback, catalogID: catalogID, youtubeURL: url)
        }
    }

    private func send(_ playback: SpotifyPlayback, catalogID: Int64?, youtubeURL: String?) {
        guard isPresent else { return }
        server.spotifyStats.published += 1
        let payload = NowPlayingMessage.encode(identity: participant.identity, playback: playback, catalogID: catalogID, youtubeURL: youtubeURL)
        publish(payload, on: NowPlayingMessage.topic)
    }

    /// Publishes `payload` (JSON) on `topic` from the server (no sender, so the participant
    /// gets it too).
    func publish(_ payload: [UInt8], on topic: String) {
        payload.withUnsafeBytes { bytes in
            let publication = Room.Publication(topic: topic, body: .json(bytes))
            do {
                server.perform(try room.publish(publication, from: nil, limits: server.configuration.limits.data, now: RoomInstant.current))
            } catch {
                server.logger.warning("spotify publication refused", metadata: ["room": "\(room.name)", "topic": "\(topic)", "error": "\(error)"])
            }
        }
    }
}
