import ITunesClient
import ITunesCore
import MusicCatalog
import SpotifyCore
import SystemClock

/// Tracks the catalog lacks, found through iTunes previews (docs/itunes.md): a Spotify top
/// track or now-playing track without a catalog id is queued for a lookup; once its preview
/// is stored it is searchable (`GET /api/tracks?q=`) and joins the participant's profile.
extension WaveDefectServer {
    /// Creates the lookup client once the catalog is open. Without a preview embedder (a
    /// server built without the decoder) or with `itunes_lookups: false`, nothing is looked up.
    func startITunes(_ library: MusicLibrary) {
        // A read-only catalog (a cluster node; docs/cluster.md) cannot store what is found.
        guard configuration.itunes.enabled, let embedPreview, !library.isReadOnly else { return }
        itunes = ITunesPreviewFetcher(
            loop: loop, http: httpClient, catalog: library.catalog, index: library.index,
            settings: configuration.itunes.clientSettings(base: configuration.spotify.itunesBase), embed: embedPreview)
    }

    /// Queues a lookup for `track`. `found` hears the catalog id of a track found (stored now
    /// or already known); with a `profileSource`, the track then joins `identity`'s profile
    /// with `weight`, and `joined` hears how many entries of that source the profile holds.
    func lookUpPreview(
        of track: SpotifyTrack, identity: String, profileSource: String?, weight: Double, found: ((Int64) -> Void)? = nil,
        joined: ((Int) -> Void)? = nil
    ) {
        guard let itunes, let library = music else { return }
        let wanted = WantedTrack(
            title: track.name, artists: track.artists, durationMilliseconds: track.durationMilliseconds, spotifyID: track.spotifyID, isrc: track.isrc)
        itunes.lookup(wanted) { [weak self] outcome in
            guard let self else { return }
            self.log(outcome, of: track, identity: identity)
            guard let id = outcome.trackID else { return }
            found?(id)
            guard let profileSource else { return }
            let entry = ProfileTrack(trackID: id, weight: weight, source: profileSource, addedAt: Double(SystemClock.wallMilliseconds) / 1000)
            self.loop.submit(work: { () -> Result<Int, MusicLibraryError> in
                do {
                    try library.profiles.extendProfile(identity: identity, with: [entry])
                    return .success(try library.profiles.profile(identity: identity).filter { $0.source == profileSource }.count)
                } catch {
                    return .failure(MusicLibraryError(message: "\(error)"))
                }
            }, then: { [logger] result in
                switch result {
                case .success(let stored): joined?(stored)
                case .failure(let error):
                    logger.warning("itunes track not added to profile", metadata: ["identity": "\(identity)", "error": "\(error.message)"])
                }
            })
        }
    }

    private func log(_ outcome: PreviewOutcome, of track: SpotifyTrack, identity: String) {
        let name = "\(track.artists.first ?? "?") – \(track.name)"
        switch outcome {
        case .stored(let id, let title, let artist):
            logger.info("itunes preview stored", metadata: [
                "identity": "\(identity)", "spotify_track": "\(name)", "track_id": "\(id)", "itunes": "\(artist) – \(title)",
            ])
        case .known(let id):
            logger.debug("itunes lookup answered by the catalog", metadata: ["spotify_track": "\(name)", "track_id": "\(id)"])
        case .noMatch:
            logger.info("no iTunes match", metadata: ["identity": "\(identity)", "spotify_track": "\(name)"])
        case .failed(let message):
            logger.warning("itunes preview failed", metadata: ["identity": "\(identity)", "spotify_track": "\(name)", "error": "\(message)"])
        case .refused(let why):
            logger.debug("itunes lookup not queued", metadata: ["spotify_track": "\(name)", "reason": "\(why)"])
        }
    }
}

extension WaveDefectServer {
    /// The iTunes series of /metrics (docs/itunes.md#metrics); none without lookups.
    func writeITunesMetrics(to p: inout PrometheusExposition) {
        guard let itunes else { return }
        let s = itunes.stats
        p.metric("wavedefect_itunes_lookups_total", "counter", "iTunes lookups ended, by outcome.")
        for (outcome, n) in [("stored", s.stored), ("known", s.known), ("unmatched", s.unmatched), ("failed", s.failures), ("refused", s.refused), ("joined", s.joined)] {
            p.sample("wavedefect_itunes_lookups_total", [("outcome", outcome)], Double(n))
        }
        p.metric("wavedefect_itunes_calls_total", "counter", "Calls to Apple: searches, preview downloads, and retries of either after a transient failure.")
        p.sample("wavedefect_itunes_calls_total", [("kind", "search")], Double(s.searches))
        p.sample("wavedefect_itunes_calls_total", [("kind", "download")], Double(s.downloads))
        p.sample("wavedefect_itunes_calls_total", [("kind", "retry")], Double(s.retries))
        p.metric("wavedefect_itunes_preview_bytes_total", "counter", "Bytes of previews downloaded.")
        p.sample("wavedefect_itunes_preview_bytes_total", [], Double(s.previewBytes))
        p.metric("wavedefect_itunes_embed_cpu_seconds_total", "counter", "Thread-pool CPU seconds spent decoding and embedding previews.")
        p.sample("wavedefect_itunes_embed_cpu_seconds_total", [], s.embedSeconds)
        p.metric("wavedefect_itunes_lookups", "gauge", "iTunes lookups waiting for their turn and under way.")
        p.sample("wavedefect_itunes_lookups", [("state", "waiting")], Double(itunes.waitingCount))
        p.sample("wavedefect_itunes_lookups", [("state", "running")], Double(itunes.runningCount))
        p.sample("wavedefect_itunes_lookups", [("state", "deferred")], Double(itunes.deferredCount))
    }
}
