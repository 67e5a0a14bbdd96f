import ClusterCore

/// Several nodes on one Redis (docs/cluster.md). Without `redis` the server runs alone,
/// exactly as it does without a cluster. Flags `--redis redis://[:PASSWORD@]HOST:PORT[/DB]`
/// and `--node-id ID`; config keys `redis: {address, password, db, tls, lease_ttl, timeout}`,
/// `node_id`, `catalog_read_only` (flag `--catalog-read-only`) and `catalog_refresh_interval`.
public struct ClusterSettings: Sendable, Equatable {
    /// Where Redis is; nil: no cluster.
    public var redis: RedisAddress?
    /// This node's name in the registry and on every room it holds; nil with Redis: a random
    /// `ND_…` chosen at start (LiveKit's form).
    public var nodeID: String?
    /// Seconds a room lease and a node's registration live unless renewed (renewed every
    /// third of it): how long after a node dies its rooms are still held by it.
    public var leaseTTL: Double = 5
    /// Limits of the relay between nodes (`redis: {relay_max_message_bytes,
    /// relay_max_pending_bytes, relay_join_timeout}`).
    public var relay = RelayLimits()
    /// Seconds a taste-profile read or write waits for Redis (connect, then the command) before
    /// it fails with an error naming Redis; those calls block a pool or agent thread.
    public var commandTimeout: Double = 2
    /// Open the catalog read-only (nothing created, migrated or written): every node but the
    /// one that ingests opens the one shared SQLite file this way. Needs Redis (profiles live
    /// there); no demo catalog, no iTunes lookups, YouTube links remembered in memory only.
    public var catalogReadOnly = false
    /// Seconds between a read-only node's checks of the shared catalog for tracks ingested
    /// since (`catalog_refresh_interval`, 0.1…3600): new ones join its in-memory index.
    public var catalogRefreshInterval: Double = 5

    public init() {}

    public var isEnabled: Bool { redis != nil }

    static let fileFields: Set<String> = ["redis", "node_id", "catalog_read_only", "catalog_refresh_interval"]
    static let redisFields: Set<String> = [
        "address", "password", "db", "tls", "lease_ttl", "timeout", "relay_max_message_bytes", "relay_max_pending_bytes", "relay_join_timeout",
    ]

    mutating func apply(_ m: [String: ConfigNode]) throws(ConfigurationError) {
        if let n = m["node_id"] { nodeID = try n.string() }
        if let n = m["catalog_read_only"] { catalogReadOnly = try n.bool() }
        if let n = m["catalog_refresh_interval"] { catalogRefreshInterval = try n.seconds() }
        guard let n = m["redis"] else { return }
        let r = try n.members(allowed: Self.redisFields)
        guard let addressNode = r["address"] else { throw n.error("'address' is required (HOST:PORT or redis://…)") }
        var address: RedisAddress
        let text = try addressNode.string()
        do {
            address = try Self.parseAddress(text)
        } catch {
            throw addressNode.error(error.message)
        }
        if let v = r["password"] { address.password = try v.string() }
        if let v = r["db"] { address.database = try v.int(min: 0) }
        if let v = r["tls"] { address.tls = try v.bool() }
        if let v = r["lease_ttl"] { leaseTTL = try v.seconds() }
        if let v = r["relay_max_message_bytes"] { relay.maxMessageBytes = try v.int(min: 1 << 16) }
        if let v = r["relay_max_pending_bytes"] { relay.maxPendingBytes = try v.int(min: 1 << 16) }
        if let v = r["relay_join_timeout"] { relay.joinTimeout = try v.seconds() }
        if let v = r["timeout"] { commandTimeout = try v.seconds() }
        redis = address
    }

    /// `HOST:PORT` (LiveKit's `redis.address`) or a full `redis://` URL.
    static func parseAddress(_ text: String) throws(RedisAddressError) -> RedisAddress {
        try RedisAddress.parse(text.hasPrefix("redis://") || text.hasPrefix("rediss://") ? text : "redis://" + text)
    }

    func validate() throws(ConfigurationError) {
        if let nodeID {
            guard (1...64).contains(nodeID.utf8.count), nodeID.utf8.allSatisfy(Self.isNodeIDByte) else {
                throw ConfigurationError("node_id '\(nodeID.prefix(80))' must be 1 to 64 of A-Z a-z 0-9 _ . -")
            }
        }
        guard catalogRefreshInterval.isFinite, (0.1...3600).contains(catalogRefreshInterval) else {
            throw ConfigurationError("catalog_refresh_interval: \(catalogRefreshInterval) is not in 0.1...3600 seconds")
        }
        guard let redis else {
            if catalogReadOnly {
                throw ConfigurationError("catalog_read_only needs a cluster (--redis): taste profiles are written to Redis when the catalog is read-only")
            }
            return
        }
        if redis.tls {
            throw ConfigurationError(
                "redis.tls: this build cannot speak TLS to Redis (Debian's hiredis 0.14 has no hiredis_ssl); reach Redis over a private network or a local TLS tunnel")
        }
        guard leaseTTL.isFinite, (1...5).contains(leaseTTL) else {
            throw ConfigurationError("redis.lease_ttl: \(leaseTTL) is not in 1...5 seconds")
        }
        guard relay.joinTimeout.isFinite, (0.1...60).contains(relay.joinTimeout) else {
            throw ConfigurationError("redis.relay_join_timeout: \(relay.joinTimeout) is not in 0.1...60 seconds")
        }
        guard commandTimeout.isFinite, commandTimeout >= 0.1, commandTimeout <= 60 else {
            throw ConfigurationError("redis.timeout: \(commandTimeout) is not in 0.1...60 seconds")
        }
    }

    static func isNodeIDByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"): true
        default: false
        }
    }

    /// LiveKit names nodes `ND_` and twelve random letters and digits.
    static func randomNodeID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return "ND_" + String((0..<12).map { _ in alphabet.randomElement()! })
    }
}
