/// Per-host admission for the HTTP client, as a pure value: at most `maxInFlight` requests to
/// one host at once, up to `maxQueued` more waiting in arrival order, and anything beyond that
/// refused at once (so a dead upstream cannot pile up unbounded work behind it). Webhooks,
/// Spotify and the other upstreams share one client; the limits are per host, so one slow
/// host never holds up another.
public struct HostQueue<Item: AnyObject> {
    public enum Admission: Equatable {
        /// Start it now (counted in flight).
        case start
        /// Wait: `finished(host:)` hands it back when a slot frees.
        case queued
        /// Refused: the host has `maxInFlight` out and `maxQueued` waiting.
        case refused
    }

    public let maxInFlight: Int
    public let maxQueued: Int
    private var hosts: [String: Host] = [:]

    private struct Host {
        var inFlight = 0
        var waiting: [Item] = []
        var head = 0
        var waitingCount: Int { waiting.count - head }
    }

    public init(maxInFlight: Int, maxQueued: Int) {
        self.maxInFlight = max(1, maxInFlight)
        self.maxQueued = max(0, maxQueued)
    }

    public mutating func admit(_ item: Item, host: String) -> Admission {
        var h = hosts[host] ?? Host()
        defer { hosts[host] = h }
        if h.inFlight < maxInFlight {
            h.inFlight += 1
            return .start
        }
        guard h.waitingCount < maxQueued else { return .refused }
        h.waiting.append(item)
        return .queued
    }

    /// One request to `host` is done: the next waiting one, if any, to start now (already
    /// counted in flight).
    public mutating func finished(host: String) -> Item? {
        guard var h = hosts[host] else { return nil }
        var next: Item?
        if h.head < h.waiting.count {
            next = h.waiting[h.head]
            h.head += 1
            if h.head == h.waiting.count {
                h.waiting.removeAll(keepingCapacity: false)
                h.head = 0
            }
        } else {
            h.inFlight = max(0, h.inFlight - 1)
        }
        hosts[host] = h.inFlight == 0 && h.waitingCount == 0 ? nil : h
        return next
    }

    /// Takes a waiting `item` out (cancelled before it started); false when it is not waiting.
    public mutating func remove(_ item: Item, host: String) -> Bool {
        guard var h = hosts[host], let i = h.waiting[h.head...].firstIndex(where: { $0 === item }) else { return false }
        h.waiting.remove(at: i)
        hosts[host] = h.inFlight == 0 && h.waitingCount == 0 ? nil : h
        return true
    }

    /// Everything waiting, oldest first, and the queue emptied (the client is closing).
    public mutating func removeAllWaiting() -> [Item] {
        var out: [Item] = []
        for (key, h) in hosts {
            out += h.waiting[h.head...]
            hosts[key] = h.inFlight == 0 ? nil : Host(inFlight: h.inFlight)
        }
        return out
    }

    public var inFlightCount: Int { hosts.values.reduce(0) { $0 + $1.inFlight } }
    public var queuedCount: Int { hosts.values.reduce(0) { $0 + $1.waitingCount } }

    public func inFlight(host: String) -> Int { hosts[host]?.inFlight ?? 0 }
    public func queued(host: String) -> Int { hosts[host]?.waitingCount ?? 0 }

    /// The key requests are counted under: scheme, host and port of `url`, lowercased, the
    /// default port filled in (`https://api.spotify.com:443`). No user info, path or query.
    public static func key(for url: String) -> String {
        var rest = Substring(url)
        var scheme = "http"
        if let r = rest.firstRange(of: "://") {
            scheme = rest[..<r.lowerBound].lowercased()
            rest = rest[r.upperBound...]
        }
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = authority
        var port = scheme == "https" ? "443" : "80"
        // [v6]:port, host:port, host
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":"), after.count > 1 { port = String(after.dropFirst()) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            let p = authority[authority.index(after: colon)...]
            if !p.isEmpty { port = String(p) }
        }
        return "\(scheme)://\(host.lowercased()):\(port)"
    }
}
