import CryptoPrimitives
import Glibc
import ITunesCore
import MusicCatalog
import MusicIndex

/// The catalog side of a lookup, run on the thread pool: what is known already, and storing
/// a preview with every id it is known by. External ids are the catalog's `external_ids`
/// (services "spotify", "isrc", "itunes").
enum CatalogLinks {
    /// The track the catalog holds for `wanted`'s Spotify id or ISRC.
    static func known(_ wanted: WantedTrack, in catalog: Catalog) -> Int64? {
        if let id = wanted.spotifyID, let t = try? catalog.track(externalID: id, service: "spotify") { return t.id }
        if let isrc = wanted.isrc, let t = try? catalog.track(externalID: isrc, service: "isrc") { return t.id }
        return nil
    }

    /// The track the catalog holds for an iTunes id; it learns `wanted`'s ids on the way.
    static func knownITunes(_ itunesID: Int64, linking wanted: WantedTrack?, in catalog: Catalog) -> Int64? {
        guard let t = try? catalog.track(externalID: String(itunesID), service: "itunes") else { return nil }
        link(t.id, wanted, catalog)
        return t.id
    }

    /// Adds `wanted`'s Spotify id and ISRC to a track. An id another track holds already stays
    /// with that track (the catalog keeps each external id unique).
    static func link(_ trackID: Int64, _ wanted: WantedTrack?, _ catalog: Catalog) {
        guard let wanted else { return }
        if let id = wanted.spotifyID, !id.isEmpty { try? catalog.setExternalID(id, service: "spotify", trackID: trackID) }
        if let isrc = wanted.isrc, !isrc.isEmpty { try? catalog.setExternalID(isrc, service: "isrc", trackID: trackID) }
    }

    struct Stored: Sendable {
        var outcome: PreviewOutcome
        /// CPU seconds of this thread spent decoding and embedding.
        var cpuSeconds: Double
    }

    /// Decodes, embeds and fingerprints `bytes` (the preview of `track`) and stores the track
    /// with its vector, fingerprint and ids in one transaction. Bytes that are not audio fail with a message that says so; bytes
    /// already stored (same SHA-256) make the lookup `.known`.
    static func store(
        _ bytes: [UInt8], of track: ITunesTrack, wanted: WantedTrack?, embed: PreviewEmbedder, catalog: Catalog, index: LiveIndex?
    ) -> Stored {
        let hash = hex(Digest.sha256(bytes))
        if let existing = try? catalog.track(contentHash: hash) {
            try? catalog.setExternalID(String(track.trackID), service: "itunes", trackID: existing.id)
            link(existing.id, wanted, catalog)
            return Stored(outcome: .known(trackID: existing.id), cpuSeconds: 0)
        }
        let started = threadCPUSeconds()
        let embedded: EmbeddedPreview
        do {
            embedded = try embed(bytes)
        } catch {
            return Stored(
                outcome: .failed("preview of iTunes track \(track.trackID) (\(bytes.count) bytes) is not audio: \(error)"),
                cpuSeconds: threadCPUSeconds() - started)
        }
        let cpu = threadCPUSeconds() - started
        var ids = ["itunes": String(track.trackID)]
        if let id = wanted?.spotifyID, !id.isEmpty { ids["spotify"] = id }
        if let isrc = wanted?.isrc, !isrc.isEmpty { ids["isrc"] = isrc }
        let row = Track(
            title: track.name, artist: track.artist, album: track.album, source: track.previewURL ?? "itunes:\(track.trackID)",
            duration: embedded.duration, contentHash: hash, externalIDs: ids)
        do {
            let added: Track
            do {
                added = try add(row, embedded, catalog)
            } catch let error as SQLiteError where error.isConstraintViolation {
                // Another lookup stored the Spotify id or ISRC meanwhile: keep the iTunes id only.
                var bare = row
                bare.externalIDs = ["itunes": String(track.trackID)]
                added = try add(bare, embedded, catalog)
            }
            if let index, index.model == embedded.model { index.upsert(id: added.id, vector: embedded.vector) }
            return Stored(outcome: .stored(trackID: added.id, title: track.name, artist: track.artist), cpuSeconds: cpu)
        } catch {
            return Stored(outcome: .failed("preview of iTunes track \(track.trackID) not stored: \(error)"), cpuSeconds: cpu)
        }
    }

    private static func add(_ row: Track, _ embedded: EmbeddedPreview, _ catalog: Catalog) throws -> Track {
        guard let fingerprint = embedded.fingerprint else { return try catalog.addTrack(row, vector: embedded.vector, model: embedded.model) }
        return try catalog.addTrack(row, vector: embedded.vector, model: embedded.model, fingerprint: fingerprint)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out += [digits[Int(b >> 4)], digits[Int(b & 0xF)]] }
        return String(decoding: out, as: UTF8.self)
    }

    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
