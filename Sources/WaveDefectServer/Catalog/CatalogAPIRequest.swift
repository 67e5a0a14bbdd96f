/// A `/api/tracks…` request, understood: which answer it asks for, with every parameter
/// checked. Pure: the route table of the catalog API, tested value by value.
enum CatalogAPIRequest: Equatable {
    /// `GET /api/tracks?q=…&limit=…`: fuzzy search.
    case search(query: String, limit: Int)
    /// `GET /api/tracks?limit=…&after=…`: the catalog in id order, a page at a time.
    case list(after: Int64, limit: Int)
    /// `GET /api/tracks/{id}`.
    case track(id: Int64)
    /// `GET /api/tracks/{id}/similar?k=…`.
    case similar(id: Int64, k: Int)
    /// `GET /api/tracks/{id}/audio`: the track's file, with `Range` support.
    case audio(id: Int64)

    static let prefix = "/api/tracks"

    struct Limits: Sendable, Equatable {
        /// Most tracks one answer may hold (`limit`, `k`).
        var maxResults = 100
        /// Longest search query, in bytes of UTF-8.
        var maxQueryBytes = 256
        var defaultLimit = 20
        var defaultK = 10
    }

    /// Whether `path` belongs to the catalog API.
    static func handles(_ path: String) -> Bool {
        path == prefix || path.hasPrefix(prefix + "/")
    }

    static func parse(
        method: String, path: String, query: [(name: String, value: String)], limits: Limits = Limits()
    ) throws(CatalogAPIError) -> CatalogAPIRequest {
        guard method == "GET" || method == "HEAD" else { throw .methodNotAllowed }
        func value(_ name: String) -> String? { query.last { $0.name == name }?.value }
        let segments = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        switch segments.count {
        case 0:
            let limit = try count("limit", value("limit"), default: limits.defaultLimit, max: limits.maxResults)
            if let q = value("q") {
                guard !q.allSatisfy(\.isWhitespace) else { throw .badParameter("q is empty; give the text to search for") }
                guard q.utf8.count <= limits.maxQueryBytes else {
                    throw .badParameter("q is \(q.utf8.count) bytes; the limit is \(limits.maxQueryBytes)")
                }
                return .search(query: q, limit: limit)
            }
            let after = try value("after").map { text throws(CatalogAPIError) -> Int64 in
                guard let n = Int64(text), n >= 0 else { throw .badParameter("after must be a track id (a non-negative integer), got '\(text.prefix(40))'") }
                return n
            } ?? 0
            return .list(after: after, limit: limit)
        case 1:
            return .track(id: try trackID(segments[segments.startIndex]))
        case 2 where segments[segments.startIndex + 1] == "similar":
            let id = try trackID(segments[segments.startIndex])
            return .similar(id: id, k: try count("k", value("k"), default: limits.defaultK, max: limits.maxResults))
        case 2 where segments[segments.startIndex + 1] == "audio":
            return .audio(id: try trackID(segments[segments.startIndex]))
        default:
            throw .notFound("no route for \(path.prefix(200)); see docs/protocol.md#catalog-api")
        }
    }

    private static func trackID(_ text: Substring) throws(CatalogAPIError) -> Int64 {
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(text), id > 0 else {
            throw .badParameter("track id must be a positive integer, got '\(text.prefix(40))'")
        }
        return id
    }

    private static func count(_ name: String, _ text: String?, default value: Int, max: Int) throws(CatalogAPIError) -> Int {
        guard let text else { return value }
        guard let n = Int(text), (1...max).contains(n) else {
            throw .badParameter("\(name) must be an integer from 1 to \(max), got '\(text.prefix(40))'")
        }
        return n
    }
}
