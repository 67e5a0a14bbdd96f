import WireJSON

/// The iTunes Search API requests and how their answers read. Pure: URLs in, tracks out.
/// Documented at https://performance-partners.apple.com/search-api (search by `term`,
/// `media=music`, `entity=song`, `limit` 1...200; answer `{"resultCount","results":[…]}`).
public enum ITunesSearchAPI {
    /// Largest search answer accepted (5 results are about 10 KB, 200 about 400 KB).
    public static let maxSearchBodyBytes = 1 << 20

    /// `base/search?term=…&media=music&entity=song&limit=N` (`limit` clamped to 1...200,
    /// `country` added when given, e.g. "US").
    public static func searchURL(base: String, term: String, limit: Int = 5, country: String? = nil) -> String {
        var url = trimmed(base) + "/search?term=" + encodeTerm(term) + "&media=music&entity=song&limit=\(min(max(limit, 1), 200))"
        if let country, !country.isEmpty { url += "&country=" + encodeTerm(country) }
        return url
    }

    /// Form-encodes a term as the API expects: spaces become `+`, unreserved ASCII stays, every
    /// other UTF-8 byte is `%XX`.
    public static func encodeTerm(_ term: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(term.utf8.count)
        for b in term.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads a search answer: the songs among `results`, in the API's order (its relevance).
    /// Elements that are not songs are skipped; a body without a `results` array is an error.
    public static func tracks(body: [UInt8]) throws(JSONBodyError) -> [ITunesTrack] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw .badJSON("search body is not JSON: \(error)")
        }
        guard let results = json.objectValue?["results"]?.arrayValue else { throw .badShape("search body has no 'results' array") }
        return results.compactMap(ITunesTrack.init(json:))
    }

    private static func trimmed(_ base: String) -> String {
        var b = Substring(base)
        while b.hasSuffix("/") { b.removeLast() }
        return String(b)
    }
}
