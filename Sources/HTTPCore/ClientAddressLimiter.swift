/// Limits per client address (docs/protocol.md#limits-per-client-address): simultaneous
/// connections, WebSocket handshakes per second and HTTP requests per second, each off when 0.
/// A pure core: the server passes the address and the time in and answers a refusal with
/// `429 Too Many Requests` and `Retry-After` before doing any work for the request.
///
/// Rates are token buckets holding one second's worth (at least one token), refilled
/// continuously, so a client may burst a second's allowance and then keeps to the rate.
///
/// Memory stays bounded however many addresses come: an address has an entry only while it
/// has a connection open or its buckets are still refilling, and at most `maxIdleAddresses`
/// entries without a connection are kept — past that an address that closes its last
/// connection is forgotten at once (its rate debt forgiven), so the table never holds more
/// than the open connections plus that many entries.
public struct ClientAddressLimiter: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Simultaneous connections per address; 0 is off.
        public var connectionsPerAddress: Int
        /// WebSocket handshakes (`/rtc`, `/agent`) per second per address; 0 is off.
        public var handshakesPerSecond: Double
        /// HTTP requests (handshakes included) per second per address; 0 is off.
        public var requestsPerSecond: Double
        /// Entries of addresses with no open connection kept for their buckets.
        public var maxIdleAddresses: Int

        public init(connectionsPerAddress: Int = 0, handshakesPerSecond: Double = 0, requestsPerSecond: Double = 0, maxIdleAddresses: Int = 65_536) {
            self.connectionsPerAddress = connectionsPerAddress
            self.handshakesPerSecond = handshakesPerSecond
            self.requestsPerSecond = requestsPerSecond
            self.maxIdleAddresses = maxIdleAddresses
        }

        public var isOff: Bool { connectionsPerAddress <= 0 && handshakesPerSecond <= 0 && requestsPerSecond <= 0 }
    }

    private struct Entry {
        var connections = 0
        var handshakes: Double
        var requests: Double
        var updatedAt: UInt64
    }

    public let limits: Limits
    private var entries: [String: Entry] = [:]
    private var idleEntries = 0
    private let handshakeBurst: Double
    private let requestBurst: Double

    public init(limits: Limits) {
        self.limits = limits
        handshakeBurst = max(1, limits.handshakesPerSecond)
        requestBurst = max(1, limits.requestsPerSecond)
    }

    /// Addresses held in the table (connected, or refilling their buckets).
    public var trackedAddresses: Int { entries.count }

    /// A new connection from `address`: nil when it may stay (it then counts until
    /// `closed(address)`), else the seconds the client should wait.
    public mutating func open(_ address: String, now: UInt64) -> Int? {
        guard !limits.isOff else { return nil }
        var e = entry(address, now: now)
        if limits.connectionsPerAddress > 0 && e.connections >= limits.connectionsPerAddress { return 1 }
        if e.connections == 0 && entries[address] != nil { idleEntries -= 1 }
        e.connections += 1
        entries[address] = e
        return nil
    }

    /// A connection counted by `open` has closed.
    public mutating func closed(_ address: String, now: UInt64) {
        guard var e = entries[address], e.connections > 0 else { return }
        e = refilled(e, now: now)
        e.connections -= 1
        if e.connections > 0 {
            entries[address] = e
        } else if isFull(e) || idleEntries >= limits.maxIdleAddresses {
            entries[address] = nil
        } else {
            entries[address] = e
            idleEntries += 1
        }
    }

    /// A WebSocket handshake: nil when allowed, else the seconds to wait.
    public mutating func handshake(_ address: String, now: UInt64) -> Int? {
        take(address, now: now, rate: limits.handshakesPerSecond, \.handshakes)
    }

    /// An HTTP request: nil when allowed, else the seconds to wait.
    public mutating func request(_ address: String, now: UInt64) -> Int? {
        take(address, now: now, rate: limits.requestsPerSecond, \.requests)
    }

    /// Forgets addresses with no connection whose buckets are full again.
    public mutating func sweep(now: UInt64) {
        guard idleEntries > 0 else { return }
        for (address, e) in entries where e.connections == 0 && isFull(refilled(e, now: now)) {
            entries[address] = nil
            idleEntries -= 1
        }
    }

    private mutating func take(_ address: String, now: UInt64, rate: Double, _ bucket: WritableKeyPath<Entry, Double>) -> Int? {
        // Only a counted connection asks; an address without an entry has nothing to charge.
        guard rate > 0, let stored = entries[address] else { return nil }
        var e = refilled(stored, now: now)
        defer { entries[address] = e }
        guard e[keyPath: bucket] >= 1 else {
            return max(1, Int(((1 - e[keyPath: bucket]) / rate).rounded(.up)))
        }
        e[keyPath: bucket] -= 1
        return nil
    }

    private func entry(_ address: String, now: UInt64) -> Entry {
        guard let e = entries[address] else { return Entry(handshakes: handshakeBurst, requests: requestBurst, updatedAt: now) }
        return refilled(e, now: now)
    }

    private func refilled(_ stored: Entry, now: UInt64) -> Entry {
        var e = stored
        guard now > e.updatedAt else { return e }
        let seconds = Double(now - e.updatedAt) / 1e9
        e.handshakes = min(handshakeBurst, e.handshakes + seconds * limits.handshakesPerSecond)
        e.requests = min(requestBurst, e.requests + seconds * limits.requestsPerSecond)
        e.updatedAt = now
        return e
    }

    private func isFull(_ e: Entry) -> Bool {
        (limits.handshakesPerSecond <= 0 || e.handshakes >= handshakeBurst) && (limits.requestsPerSecond <= 0 || e.requests >= requestBurst)
    }
}

extension ClientAddressLimiter {
    /// What the limits count by, from a peer as `ip:port` or `[v6]:port`: the IPv4 address,
    /// or the /64 prefix of an IPv6 one (one subscriber's network gets a whole /64, so
    /// counting single IPv6 addresses would limit nothing). IPv4-mapped IPv6 addresses count
    /// as their IPv4 address.
    public static func address(ofPeer peer: String) -> String {
        var host = Substring(peer)
        if host.hasPrefix("[") {
            host = host.dropFirst()
            if let end = host.firstIndex(of: "]") { host = host[..<end] }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        guard host.contains(":") else { return String(host) }
        let lower = host.lowercased()
        if lower.hasPrefix("::ffff:"), lower.dropFirst(7).contains(".") { return String(lower.dropFirst(7)) }
        return prefix64(lower)
    }

    /// The first four groups of an IPv6 address, `::` expanded, as `a:b:c:d::/64`.
    private static func prefix64(_ v6: String) -> String {
        let gap = v6.firstRange(of: "::")
        let head = (gap.map { v6[..<$0.lowerBound] } ?? Substring(v6)).split(separator: ":")
        let tail = gap.map { v6[$0.upperBound...].split(separator: ":") } ?? []
        let missing = gap == nil ? 0 : max(0, 8 - head.count - tail.count)
        let groups = head + Array(repeating: "0", count: missing) + tail
        let first4 = groups.prefix(4).map { g -> String in
            let trimmed = g.drop(while: { $0 == "0" })
            return trimmed.isEmpty ? "0" : String(trimmed)
        }
        return first4.joined(separator: ":") + (first4.count == 4 ? "::/64" : "")
    }
}
