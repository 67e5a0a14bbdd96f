import HTTPCore
import MusicCatalog
import MusicIndex
import VectorSearch
import WireJSON

/// `GET /api/map?model=…`: the catalog's vectors projected on a plane (docs/protocol.md#catalog-map).
///
/// The projection (PCA, `VectorIndex.planeProjection`) runs on the thread pool, never on the
/// loop, and its JSON is kept per model until the vectors change: for the model the server
/// searches, until the live index's version moves (ingest); for another model of the catalog,
/// until its vector count does. Requests for a map being computed wait for that computation.
enum CatalogMapEndpoint {
    static let path = "/api/map"

    static func handle(_ request: HTTPRequest, on connection: ClientConnection) {
        let server = connection.server
        guard request.method == "GET" || request.method == "HEAD" else {
            return connection.respond(CatalogAPIError.methodNotAllowed.response, to: request)
        }
        guard let music = server.music else { return connection.respond(CatalogAPIError.noCatalog.response, to: request) }
        let model = request.queryItems.last { $0.name == "model" }?.value ?? music.index.model
        guard !model.isEmpty, model.utf8.count <= 200 else {
            return connection.respond(CatalogAPIError.badParameter("model must name a model of the catalog (1 to 200 bytes)").response, to: request)
        }
        let version: String
        let source: @Sendable () throws -> VectorIndex?
        if model == music.index.model {
            let snapshot = music.index.snapshot
            version = "index-\(snapshot.version)"
            source = { snapshot }
        } else {
            let known: Catalog.Model?
            do {
                known = try music.catalog.models().first { $0.name == model }
            } catch {
                return connection.respond(CatalogAPIError.catalogFailed(error).response, to: request)
            }
            guard let known else { return connection.respond(unknownModel(model, music: music).response, to: request) }
            version = "catalog-\(known.vectorCount)"
            let catalog = music.catalog
            source = { try VectorIndex.load(from: catalog, model: model) }
        }
        if let body = server.catalogMaps.body(model: model, version: version) {
            return connection.respond(.json(.ok, body), to: request)
        }
        connection.beginResponse()
        let first = server.catalogMaps.wait(model: model, version: version) { [weak connection] result in
            guard let connection else { return }
            switch result {
            case .success(let body): connection.respond(.json(.ok, body), to: request)
            case .failure(let error): connection.respond(error.response, to: request)
            }
            connection.finishResponse()
        }
        guard first else { return }
        let catalog = music.catalog
        server.loop.submit(work: { () -> Result<[UInt8], CatalogAPIError> in
            do {
                guard let index = try source() else { return .failure(.notFound("no model named \(model)")) }
                return .success(try json(index.planeProjection(), model: model, catalog: catalog))
            } catch {
                return .failure(.catalogFailed(error))
            }
        }, then: { [weak server] result in
            server?.catalogMaps.complete(model: model, version: version, result)
        })
    }

    static func unknownModel(_ model: String, music: MusicLibrary) -> CatalogAPIError {
        let names = ((try? music.catalog.models().map(\.name)) ?? []) + [music.index.model]
        let listed = Set(names).sorted().joined(separator: ", ")
        return .notFound("no model named \(model.prefix(80)); the catalog has: \(listed)")
    }

    /// `{"model","count","explained":[x,y],"points":[{"id","x","y","title","artist","album"}…]}`,
    /// coordinates in [-1, 1] rounded to 4 decimals.
    static func json(_ projection: PlaneProjection, model: String, catalog: Catalog) throws -> [UInt8] {
        let tracks = Dictionary(try catalog.tracks(ids: projection.points.map(\.id)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var w = JSONWriter(reservingCapacity: 64 + projection.points.count * 120)
        w.beginObject()
        w.key("model")
        w.string(model)
        w.key("count")
        w.int(projection.points.count)
        w.key("explained")
        w.beginArray()
        w.double(rounded(projection.explained.x))
        w.double(rounded(projection.explained.y))
        w.endArray()
        w.key("points")
        w.beginArray()
        for point in projection.points {
            guard let track = tracks[point.id] else { continue }  // removed since the snapshot
            w.beginObject()
            w.key("id")
            w.int(point.id)
            w.key("x")
            w.double(rounded(point.x))
            w.key("y")
            w.double(rounded(point.y))
            for (name, value) in [("title", track.title), ("artist", track.artist), ("album", track.album)] {
                w.key(name)
                if let value { w.string(value) } else { w.null() }
            }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }
}

/// The maps computed so far, one per model, and the requests waiting for one in progress.
/// Loop thread only.
final class CatalogMapCache {
    typealias Waiter = (Result<[UInt8], CatalogAPIError>) -> Void
    private var maps: [String: (version: String, body: [UInt8])] = [:]
    /// Keyed by model and version: a computation for an older version answers its own waiters.
    private var waiting: [String: [Waiter]] = [:]

    func body(model: String, version: String) -> [UInt8]? {
        guard let entry = maps[model], entry.version == version else { return nil }
        return entry.body
    }

    /// Queues `waiter` for the map of `model` at `version`; true when no computation of it is
    /// running yet, so the caller starts one.
    func wait(model: String, version: String, _ waiter: @escaping Waiter) -> Bool {
        let key = model + "\u{0}" + version
        let first = waiting[key] == nil
        waiting[key, default: []].append(waiter)
        return first
    }

    func complete(model: String, version: String, _ result: Result<[UInt8], CatalogAPIError>) {
        let waiters = waiting.removeValue(forKey: model + "\u{0}" + version) ?? []
        if case .success(let body) = result { maps[model] = (version, body) }
        for waiter in waiters { waiter(result) }
    }
}
