import ClusterCore
import Testing
@testable import WaveDefectServer

/// `redis` and `node_id` from the config file, value by value, and the mistakes refused by name.
@Suite struct ClusterSettingsTests {
    func configuration(_ yaml: String) throws(ConfigurationError) -> ServerConfiguration {
        try .validated(yaml: yaml)
    }

    @Test func withoutRedisThereIsNoCluster() throws {
        let c = try configuration("port: 1\n")
        #expect(!c.cluster.isEnabled)
        #expect(c.cluster.nodeID == nil)
        #expect(c.cluster.leaseTTL == 5)
    }

    @Test func liveKitStyleSection() throws {
        let c = try configuration("node_id: node-a\nredis:\n  address: 10.1.2.3:6380\n  password: pw\n  db: 4\n  lease_ttl: 3\n")
        #expect(c.cluster.redis == RedisAddress(host: "10.1.2.3", port: 6380, password: "pw", database: 4))
        #expect(c.cluster.nodeID == "node-a")
        #expect(c.cluster.leaseTTL == 3)
        #expect(c.cluster.relay == RelayLimits())
    }

    @Test func relayLimitsAreRead() throws {
        let c = try configuration("redis:\n  address: h\n  relay_max_message_bytes: 1048576\n  relay_max_pending_bytes: 65536\n  relay_join_timeout: 2.5\n")
        #expect(c.cluster.relay.maxMessageBytes == 1 << 20)
        #expect(c.cluster.relay.maxPendingBytes == 65536)
        #expect(c.cluster.relay.joinTimeout == 2.5)
    }

    @Test func catalogRefreshIntervalIsRead() throws {
        #expect(try configuration("redis:\n  address: h\n").cluster.catalogRefreshInterval == 5)
        #expect(try configuration("redis:\n  address: h\ncatalog_refresh_interval: 0.5\n").cluster.catalogRefreshInterval == 0.5)
    }

    @Test func addressMayBeAURLAndTheKeysOverrideIt() throws {
        let c = try configuration("redis:\n  address: redis://:old@cache:7000/1\n  db: 2\n")
        #expect(c.cluster.redis == RedisAddress(host: "cache", port: 7000, password: "old", database: 2))
        #expect(try configuration("redis:\n  address: cache\n").cluster.redis?.port == 6379)
    }

    @Test func randomNodeIDsHaveLiveKitsForm() {
        let id = ClusterSettings.randomNodeID()
        #expect(id.hasPrefix("ND_"))
        #expect(id.count == 15)
        #expect(id != ClusterSettings.randomNodeID())
        #expect(id.utf8.allSatisfy(ClusterSettings.isNodeIDByte))
    }

    @Test(arguments: [
        ("redis:\n  password: x\n", "conf.yaml:2: field 'redis': 'address' is required"),
        ("redis:\n  address: h:99999\n", "conf.yaml:2: field 'redis.address': port '99999' is not in 1...65535"),
        ("redis:\n  address: h\n  tls: true\n", "redis.tls: this build cannot speak TLS to Redis"),
        ("redis:\n  address: rediss://h\n", "redis.tls: this build cannot speak TLS to Redis"),
        ("redis:\n  address: h\n  lease_ttl: 10\n", "redis.lease_ttl: 10.0 is not in 1...5 seconds"),
        ("redis:\n  address: h\n  db: -1\n", "field 'redis.db'"),
        ("redis:\n  address: h\n  relay_join_timeout: 100\n", "redis.relay_join_timeout: 100.0 is not in 0.1...60 seconds"),
        ("redis:\n  address: h\n  relay_max_message_bytes: 10\n", "field 'redis.relay_max_message_bytes'"),
        ("redis:\n  address: h\n  use_tls: true\n", "use_tls"),
        ("node_id: 'a b'\n", "node_id 'a b' must be 1 to 64 of A-Z a-z 0-9 _ . -"),
        ("node_id: ''\n", "node_id '' must be 1 to 64"),
        ("catalog_refresh_interval: 0\n", "catalog_refresh_interval: 0.0 is not in 0.1...3600 seconds"),
    ])
    func mistakesAreRefusedByName(_ yaml: String, _ message: String) {
        do {
            _ = try configuration(yaml)
            Issue.record("accepted \(yaml)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
