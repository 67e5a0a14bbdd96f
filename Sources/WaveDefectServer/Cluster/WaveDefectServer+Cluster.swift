import ClusterCore
import MusicCatalog
import RedisClient
import RoomCore
import WireJSON

extension WaveDefectServer {
    /// Joins the cluster when Redis is configured (docs/cluster.md); alone otherwise.
    func startCluster() {
        guard let address = configuration.cluster.redis else { return }
        let node = ClusterNode(server: self, settings: configuration.cluster, redis: address, logger: logger)
        cluster = node
        node.start()
        let calls = ClusterCalls(server: self, nodeID: node.nodeID, redis: node.redis, timeout: configuration.cluster.commandTimeout)
        clusterCalls = calls
        calls.start()
        clusterAgents = ClusterAgents(server: self, node: node, calls: calls)
    }

    /// Shutdown waits (up to the close timeout) for the node's goodbye to reach Redis.
    var clusterIdle: Bool { cluster?.isIdle ?? true }

    /// `/healthz` in a cluster: this node, whether Redis answers, and the node each room
    /// here lives on.
    func writeClusterHealth(_ cluster: ClusterNode, to w: inout JSONWriter) {
        w.key("node_id"); w.string(cluster.nodeID)
        w.key("redis"); w.string(cluster.redis.isConnected ? "connected" : "unreachable")
        w.key("room_nodes")
        w.beginObject()
        for room in registry.sortedRooms {
            w.key(room.name)
            w.string(cluster.holder(of: room.name))
        }
        w.endObject()
    }
}

extension RoomServiceHandlers {
    /// `ListRooms` in a cluster: this node's rooms, then every other live node's (from the
    /// lists they renew in Redis, at most a third of a lease old), each with its `node_id`.
    /// Redis unreachable: this node's rooms alone (they keep running), and a warning.
    func listRoomsEverywhere(_ body: TwirpBody, _ done: @escaping (Result<[UInt8], TwirpError>) -> Void) throws(TwirpError) {
        let names = try body.strings("names").map(Set.init)
        let wanted = { (name: String) in names == nil || names!.isEmpty || names!.contains(name) }
        guard let cluster = server.cluster else { return done(.success(try listRooms(body))) }
        let server = self.server
        cluster.remoteRooms { remote in
            if remote == nil {
                server.logger.warning("ListRooms: Redis unreachable; answering with this node's rooms only", metadata: ["redis": "\(cluster.redis.address)"])
            }
            let local = server.registry.sortedRooms.filter { wanted($0.name) }
            let localNames = Set(local.map(\.name))
            let others = (remote ?? []).filter { room in
                guard let name = room["name"]?.stringValue else { return false }
                return wanted(name) && !localNames.contains(name)
            }.sorted { ($0["name"]?.stringValue ?? "") < ($1["name"]?.stringValue ?? "") }
            done(.success(Self.encode { w in
                w.beginObject()
                w.key("rooms")
                w.beginArray()
                for r in local { LiveKitJSON.writeRoom(r.snapshot, to: &w, nodeID: cluster.holder(of: r.name)) }
                for r in others { w.value(.object(r)) }
                w.endArray()
                w.endObject()
            }))
        }
    }
}

extension WaveDefectServer {
    /// In a cluster, taste profiles and room hosts live in Redis (one blocking connection for
    /// the threads that read and write them); alone, in the catalog (nil).
    func clusterProfileStorage() -> (@Sendable (Catalog) -> any ProfileStorage)? {
        guard let address = configuration.cluster.redis else { return nil }
        return Self.redisProfileStorage(address, timeout: configuration.cluster.commandTimeout)
    }

    /// Profiles in the Redis at `url`, for agent processes of a cluster (`agent run|worker --redis`).
    public static func redisProfileStorage(url: String, timeout: Double = ClusterSettings().commandTimeout) throws -> @Sendable (Catalog) -> any ProfileStorage {
        let address = try ClusterSettings.parseAddress(url)
        guard !address.tls else { throw ConfigurationError("this build cannot speak TLS to Redis (Debian's hiredis 0.14 has no hiredis_ssl)") }
        return redisProfileStorage(address, timeout: timeout)
    }

    static func redisProfileStorage(_ address: RedisAddress, timeout: Double) -> @Sendable (Catalog) -> any ProfileStorage {
        let redis = RedisBlockingConnection(address: address, timeout: timeout)
        return { catalog in RedisProfileStorage(redis: redis, catalog: catalog) }
    }
}
