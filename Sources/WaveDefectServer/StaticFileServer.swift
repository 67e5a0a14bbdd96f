import Foundation
import HTTPCore

/// Serves the browser client from the web root. Paths are percent-decoded, `.`/`..`
/// segments are refused, and the resolved file must lie inside the root (symlinks
/// included), so no request reaches outside it.
final class StaticFileServer {
    private let root: String
    private let cacheEnabled: Bool
    private var cache: [String: (body: [UInt8], type: String)] = [:]

    init(root: String, cache: Bool) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
        self.cacheEnabled = cache
    }

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "json": "application/json",
        "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
        "ico": "image/x-icon", "webp": "image/webp", "txt": "text/plain; charset=utf-8", "wasm": "application/wasm",
        "map": "application/json", "woff2": "font/woff2", "mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg",
    ]

    enum Outcome {
        case file(HTTPResponse)
        case notFound
        case forbidden
    }

    func serve(path rawPath: Substring) -> Outcome {
        guard let decoded = PercentDecoding.decode(rawPath), decoded.hasPrefix("/") else { return .forbidden }
        var segments = decoded.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for s in segments where s == ".." || s == "." || s.contains("\0") || s.contains("\\") {
            return .forbidden
        }
        if decoded.hasSuffix("/") || segments.isEmpty { segments.append("index.html") }
        let relative = segments.joined(separator: "/")
        if cacheEnabled, let hit = cache[relative] { return .file(response(hit.body, hit.type)) }

        let full = URL(fileURLWithPath: root + "/" + relative).resolvingSymlinksInPath().path
        guard full.hasPrefix(root + "/") else { return .forbidden }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: full)
        else { return .notFound }
        let ext = (relative as NSString).pathExtension.lowercased()
        let type = Self.contentTypes[ext] ?? "application/octet-stream"
        let body = [UInt8](data)
        if cacheEnabled { cache[relative] = (body, type) }
        return .file(response(body, type))
    }

    private func response(_ body: [UInt8], _ type: String) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", type), ("X-Content-Type-Options", "nosniff")])
        headers.add("Cache-Control", cacheEnabled ? "public, max-age=60" : "no-cache")
        return HTTPResponse(status: .ok, headers: headers, body: body)
    }
}
