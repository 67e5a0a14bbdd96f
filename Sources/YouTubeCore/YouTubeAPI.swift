import WireJSON

/// The one YouTube Data API v3 call the server makes — `search.list` for a video of a track —
/// and how its answer reads. Pure: strings in, a video id or a `YouTubeSearchError` out; the
/// HTTP client carries it (docs/youtube.md).
///
/// A search costs 100 quota units of a project's default 10,000 a day, so the server asks once
/// per track: answers (a video, or none) are cached in the catalog by `cacheKey`.
public enum YouTubeAPI {
    /// Largest answer accepted (one result is about 1 KB).
    public static let maxBodyBytes = 64 << 10

    /// What is searched for a track: first artist and title.
    public static func query(title: String, artist: String?) -> String {
        let t = title.trimmingSpaces
        guard let artist, !artist.trimmingSpaces.isEmpty else { return t }
        return artist.trimmingSpaces + " " + t
    }

    /// The cache key of a query: lowercased, runs of whitespace collapsed, so the same track
    /// asked for by any route (now playing, a recommendation) is asked once.
    public static func cacheKey(_ query: String) -> String {
        query.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// `GET {base}/youtube/v3/search?part=snippet&type=video&maxResults=1&q=…&key=…`. The
    /// key travels in the query, which the client redacts from every log line.
    public static func searchURL(base: String, query: String, key: String) -> String {
        var b = Substring(base)
        while b.hasSuffix("/") { b.removeLast() }
        return b + "/youtube/v3/search?part=snippet&type=video&maxResults=1&q=" + percentEncoded(query) + "&key=" + percentEncoded(key)
    }

    /// Reads a `search.list` answer: the first video's id, nil when the search found none.
    public static func answer(status: Int, body: [UInt8]) -> Result<String?, YouTubeSearchError> {
        guard status == 200 else { return .failure(.status(status, reason: errorReason(body))) }
        guard let json = try? JSONParser.parse(body), let items = json["items"]?.arrayValue else {
            return .failure(.unreadable)
        }
        for item in items {
            if let id = item["id"]?["videoId"]?.stringValue, isVideoID(id) { return .success(id) }
        }
        return .success(nil)
    }

    /// Google's error answers: `{"error":{"code","message","errors":[{"reason",…}]}}`.
    static func errorReason(_ body: [UInt8]) -> String? {
        (try? JSONParser.parse(body))?["error"]?["errors"]?.arrayValue?.first?["reason"]?.stringValue
    }

    public static func watchURL(_ videoID: String) -> String { "https://www.youtube.com/watch?v=" + videoID }

    /// Video ids are URL-safe base64 characters; anything else is not put into a URL.
    public static func isVideoID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F
        }
    }

    /// RFC 3986 unreserved characters stay, every other byte is `%XX`.
    static func percentEncoded(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for c in s.utf8 {
            if (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x7E {
                out.append(c)
            } else {
                out += [0x25, hex[Int(c >> 4)], hex[Int(c & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
