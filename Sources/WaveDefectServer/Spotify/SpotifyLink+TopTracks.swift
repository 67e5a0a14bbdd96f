import AgentKit
import EventLoop
import HTTPClient
import ITunesCore
import SystemClock
import MusicCatalog
import SpotifyCore
import TasteCore
import TrackText

extension SpotifyLink {
    /// Reads the participant's top tracks into its taste profile (source `spotify_top`),
    /// replacing the previous read. Tracks the catalog lacks are counted, not guessed.
    func fetchTopTracks(_ token: String) {
        guard let library = server.music else { return }
        server.spotifyStats.topTracksRequests += 1
        let settings = server.configuration.spotify
        let url = SpotifyAPI.topTracksURL(base: settings.apiBase, timeRange: settings.topTracksTimeRange, limit: settings.topTracksLimit)
        let identity = participant.identity
        topTracksTask = server.httpClient.perform(request(url, token: token)) { [weak self] result in
            guard let self, self.phase != .stopped else { return }
            self.topTracksTask = nil
            guard case .success(let response) = result, response.status == 200,
                  let tracks = try? SpotifyAPI.topTracks(body: response.body) else {
                // A refused token shows up in the next poll; anything else is tried again then.
                if case .success(let r) = result, r.status == 401 { return }
                self.server.spotifyStats.topTracksFailures += 1
                self.topTracksFailed()
                return
            }
            self.server.loop.submit(work: { () -> Result<TopTracksStored, SpotifyProfileError> in
                do {
                    return .success(try library.storeTopTracks(tracks, identity: identity))
                } catch {
                    return .failure(SpotifyProfileError(message: "\(error)"))
                }
            }, then: { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let counts):
                    self.server.spotifyStats.topTracksStored += counts.matched
                    self.server.logger.info("spotify top tracks stored", metadata: [
                        "identity": "\(identity)", "matched": "\(counts.matched)", "read": "\(counts.total)", "looked_up": "\(counts.missing.count)",
                    ])
                    // Tracks the catalog lacks go to iTunes; each one found joins the profile,
                    // and the room's agents hear of it as they hear of this read.
                    for m in counts.missing {
                        self.server.lookUpPreview(of: m.track, identity: identity, profileSource: "spotify_top", weight: m.weight, joined: { [weak self] stored in
                            guard let self, self.phase != .stopped, self.isPresent else { return }
                            self.publish(ProfileChange(identity: identity, source: "spotify_top", tracks: stored).json, on: ProfileChange.topic)
                        })
                    }
                    // The room's agents reload the profile (the taste agent compares it now,
                    // not at the next join).
                    guard self.phase != .stopped, self.isPresent else { return }
                    self.publish(ProfileChange(identity: identity, source: "spotify_top", tracks: counts.matched).json, on: ProfileChange.topic)
                case .failure(let error):
                    self.server.logger.warning("spotify top tracks not stored", metadata: ["identity": "\(identity)", "error": "\(error.message)"])
                }
            })
        }
    }
}

struct SpotifyProfileError: Error, Sendable {
    let message: String
}

/// What a top-tracks read stored, and the tracks the catalog lacks with the weight each
/// would have had.
struct TopTracksStored: Sendable {
    var matched: Int
    var total: Int
    var missing: [(track: SpotifyTrack, weight: Double)]
}

extension MusicLibrary {
    /// The catalog track a Spotify track is: by stored Spotify id, then by ISRC. Runs off the
    /// loop (SQLite).
    func catalogID(for track: SpotifyTrack) -> Int64? {
        if let t = try? catalog.track(externalID: track.spotifyID, service: "spotify") { return t.id }
        if let isrc = track.isrc, let t = try? catalog.track(externalID: isrc, service: "isrc") { return t.id }
        return nil
    }

    /// Resolves top tracks (Spotify id, ISRC, then by fuzzy search a track of the same title,
    /// the artist deciding between those) and stores them as the identity's `spotify_top` profile entries,
    /// weighted by rank (the first 1.0, the last 0.5). Tracks it cannot resolve come back in
    /// `missing`, for an iTunes lookup.
    func storeTopTracks(_ tracks: [SpotifyTrack], identity: String) throws -> TopTracksStored {
        let now = Double(SystemClock.wallMilliseconds) / 1000
        var entries: [ProfileTrack] = []
        var seen = Set<Int64>()
        var missing: [(track: SpotifyTrack, weight: Double)] = []
        for (rank, track) in tracks.enumerated() {
            let weight = tracks.count > 1 ? 1 - 0.5 * Double(rank) / Double(tracks.count - 1) : 1
            var id = catalogID(for: track)
            if id == nil {
                // Only hits with the same title (decorations aside): the fuzzy search also
                // finds the artist's other songs ("Top Two" for "Top One"), and the artist
                // alone must not decide between different songs.
                let title = MatchText.normalizeTitle(track.name)
                let hits = ((try? catalog.searchTracks(query: track.name, limit: 10)) ?? []).filter { MatchText.normalizeTitle($0.track.title ?? "") == title }
                let infos = hits.map { TrackInfo(id: $0.track.id, title: $0.track.title ?? "", artist: $0.track.artist ?? "", album: $0.track.album ?? "") }
                id = TrackTextMatcher.pick(title: track.name, artist: track.artists.first, hits: infos)
            }
            guard let id else {
                missing.append((track, weight))
                continue
            }
            guard seen.insert(id).inserted else { continue }
            entries.append(ProfileTrack(trackID: id, weight: weight, source: "spotify_top", addedAt: now))
        }
        try profiles.replaceProfile(identity: identity, source: "spotify_top", with: entries)
        return TopTracksStored(matched: entries.count, total: tracks.count, missing: missing)
    }
}
