import HTTPCore
import MusicCatalog
import MusicIndex
import MusicRecognition
import VectorSearch
import WireJSON

/// `/api/tracks`: the music catalog over HTTP (docs/protocol.md#catalog-api). Answered on the
/// loop thread: a search is one indexed SQLite query over a few hundred candidates, and a
/// similarity search one scan of the 40-D MFCC index (about a millisecond per 100k tracks).
enum CatalogAPI {
    /// Answers a request under `/api/tracks`: audio is streamed from its file
    /// (`TrackAudioStream`), everything else answered at once.
    static func route(_ request: HTTPRequest, on connection: ClientConnection) {
        let server = connection.server
        let parsed: CatalogAPIRequest
        do {
            parsed = try CatalogAPIRequest.parse(
                method: request.method, path: String(request.path), query: request.queryItems, limits: server.configuration.limits.catalogAPI)
        } catch {
            return connection.respond(error.response, to: request)
        }
        if case .audio(let id) = parsed {
            return TrackAudioStream.start(id: id, request: request, on: connection)
        }
        connection.respond(handle(parsed, server: server), to: request)
    }

    static func handle(_ parsed: CatalogAPIRequest, server: WaveDefectServer) -> HTTPResponse {
        do {
            guard let music = server.music else { throw CatalogAPIError.noCatalog }
            return .json(.ok, try answer(parsed, music: music))
        } catch let error as CatalogAPIError {
            return error.response
        } catch {
            return CatalogAPIError.catalogFailed(error).response
        }
    }

    static func answer(_ request: CatalogAPIRequest, music: MusicLibrary) throws -> [UInt8] {
        let catalog = music.catalog
        var w = JSONWriter(reservingCapacity: 4096)
        switch request {
        case .search(let query, let limit):
            let hits = try catalog.searchTracks(query: query, limit: limit)
            w.beginObject()
            w.key("tracks")
            w.beginArray()
            for hit in hits {
                writeTrack(hit.track, to: &w) { w in
                    w.key("match")
                    w.string(hit.isExact ? "exact" : "near")
                    w.key("relevance")
                    w.double((hit.relevance * 1000).rounded() / 1000)
                }
            }
            w.endArray()
            w.endObject()
        case .list(let after, let limit):
            let tracks = try catalog.tracks(after: after, limit: limit)
            w.beginObject()
            w.key("tracks")
            w.beginArray()
            for track in tracks { writeTrack(track, to: &w) }
            w.endArray()
            // Where the next page starts, while there may be one.
            w.key("next_after")
            if tracks.count == limit, let last = tracks.last { w.int(last.id) } else { w.null() }
            w.endObject()
        case .track(let id):
            guard let track = try catalog.track(id: id) else { throw CatalogAPIError.notFound("no track with id \(id)") }
            writeTrack(track, to: &w)
        case .similar(let id, let k):
            guard let seed = try catalog.track(id: id) else { throw CatalogAPIError.notFound("no track with id \(id)") }
            let index = music.index.snapshot
            guard index.contains(id: id) else {
                throw CatalogAPIError.notFound("track \(id) has no \(music.index.model) vector yet (it is still being ingested)")
            }
            let check = music.sameRecording
            let results = try index.search(SimilarityQuery(seeds: [.track(id)], k: k, sameRecording: SameRecordingRule { check.isSameRecording($0, $1) }))
            let tracks = Dictionary(try catalog.tracks(ids: results.map(\.id)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            w.beginObject()
            w.key("seed")
            writeTrack(seed, to: &w)
            w.key("tracks")
            w.beginArray()
            for result in results {
                guard let track = tracks[result.id] else { continue }  // removed since the snapshot
                writeTrack(track, to: &w) { w in
                    w.key("score")
                    w.double((Double(result.score) * 1e6).rounded() / 1e6)
                    w.key("why")
                    w.string(result.why(seedCount: 1))
                }
            }
            w.endArray()
            w.endObject()
        case .audio:
            preconditionFailure("audio is streamed by TrackAudioStream, not answered as JSON")
        }
        return w.bytes
    }

    /// `{"id","title","artist","album","duration_s"[,"external_ids"]…}`; absent text fields are
    /// null. The source path stays on the server: it names files on its disk.
    static func writeTrack(_ track: Track, to w: inout JSONWriter, extra: (inout JSONWriter) -> Void = { _ in }) {
        w.beginObject()
        w.key("id")
        w.int(track.id)
        for (name, value) in [("title", track.title), ("artist", track.artist), ("album", track.album)] {
            w.key(name)
            if let value { w.string(value) } else { w.null() }
        }
        w.key("duration_s")
        if let duration = track.duration { w.double((duration * 1000).rounded() / 1000) } else { w.null() }
        if !track.externalIDs.isEmpty {
            w.key("external_ids")
            w.beginObject()
            for (service, id) in track.externalIDs.sorted(by: { $0.key < $1.key }) {
                w.key(service)
                w.string(id)
            }
            w.endObject()
        }
        extra(&w)
        w.endObject()
    }
}
