import ClusterCore
import EventLoop
import Foundation
import Logging
import RedisClient
import RoomCore
import SystemClock
import WireJSON

/// This node's part of the cluster (docs/cluster.md): its registration and load under a key
/// with a TTL, renewed every third of the lease; the lease of every room that started here
/// (SET NX PX through `ClusterKeys.claimScript`), renewed with it; and the list of its rooms
/// other nodes answer `ListRooms` from. All of it is one round trip per renewal however many
/// rooms the node holds.
///
/// Redis down: rooms keep running for their local participants (nothing here is on the
/// message path); once it is back, the next renewal — at once, on reconnect — registers the
/// node and re-claims every lease nobody else took meanwhile.
final class ClusterNode {
    unowned let server: WaveDefectServer
    let nodeID: String
    let redis: RedisClient
    /// Clients relayed to and from other nodes (docs/cluster.md#connect-anywhere).
    let relay: RelayHub
    let ttlMilliseconds: Int
    private let logger: Logger
    private var renewTimer: LoopTimer?
    private var publishTimer: LoopTimer?
    /// The node holding each local room's lease: this one, or another that claimed it first
    /// (a room started on two nodes before either saw the other's lease).
    private(set) var holders: [String: String] = [:]
    /// Rooms whose lease another node holds, already logged.
    private var conflictsLogged: Set<String> = []
    private let startedAt = Int64(Date().timeIntervalSince1970)
    private var cpuSample: (ticks: Int64, at: UInt64)?
    private var cpuLoad = 0.0
    private(set) var isStopping = false
    /// Commands of `stop()` not answered yet.
    private var goodbyes = 0

    /// Nothing left to tell Redis before the process exits (or Redis cannot be told).
    var isIdle: Bool { goodbyes == 0 || !redis.isConnected }

    init(server: WaveDefectServer, settings: ClusterSettings, redis address: RedisAddress, logger: Logger) {
        self.server = server
        self.logger = logger
        nodeID = settings.nodeID ?? ClusterSettings.randomNodeID()
        ttlMilliseconds = Int(settings.leaseTTL * 1000)
        redis = RedisClient(loop: server.loop, address: address, logger: logger, name: "wavedefect:\(nodeID)")
        relay = RelayHub(server: server, nodeID: nodeID, redis: redis, limits: settings.relay, logger: logger)
    }

    func start() {
        redis.onReady = { [unowned self] in self.renew() }
        redis.onLost = { [unowned self] in self.relay.redisLost() }
        redis.onSubscriptionsLost = { [unowned self] in self.relay.subscriptionsLost() }
        redis.onSubscriptionsRestored = { [unowned self] in self.relay.subscriptionsRestored() }
        redis.start()
        relay.start()
        let every = UInt64(max(ttlMilliseconds / 3, 100))
        let timer = LoopTimer(loop: server.loop) { [unowned self] in self.renew() }
        timer.start(afterMilliseconds: every, repeatMilliseconds: every)
        renewTimer = timer
        logger.notice("cluster node", metadata: ["node_id": "\(nodeID)", "redis": "\(redis.address)", "lease_ms": "\(ttlMilliseconds)"])
    }

    /// The node a local room lives on, as far as this node knows.
    func holder(of room: String) -> String {
        holders[room] ?? nodeID
    }

    // MARK: Rooms

    func roomStarted(_ name: String) {
        guard !isStopping else { return }
        holders[name] = nodeID
        claim([name])
        publishSoon()
    }

    func roomFinished(_ name: String) {
        let holder = holders.removeValue(forKey: name)
        conflictsLogged.remove(name)
        if holder == nodeID { redis.command(["EVAL", ClusterKeys.releaseScript, "1", ClusterKeys.roomLease(name), nodeID]) }
        if !isStopping { publishSoon() }
    }

    /// Claims or renews `names`' leases; rooms another node holds are noted and logged once.
    private func claim(_ names: [String]) {
        guard !names.isEmpty else { return }
        let args = ["EVAL", ClusterKeys.claimScript, String(names.count)] + names.map(ClusterKeys.roomLease) + [nodeID, String(ttlMilliseconds)]
        redis.command(args) { [weak self] result in
            guard let self, case .success(let value) = result, let flags = value.array, flags.count == names.count else { return }
            let lost = zip(names, flags).filter { $0.1.integer != 1 }.map(\.0)
            for (name, flag) in zip(names, flags) where flag.integer == 1 && self.server.registry.rooms[name] != nil {
                self.holders[name] = self.nodeID
            }
            guard !lost.isEmpty else { return }
            self.redis.command(["MGET"] + lost.map(ClusterKeys.roomLease)) { [weak self] result in
                guard let self, case .success(let value) = result, let owners = value.array else { return }
                for (name, owner) in zip(lost, owners) where self.server.registry.rooms[name] != nil {
                    guard let owner = owner.text else { continue }
                    self.holders[name] = owner
                    if self.conflictsLogged.insert(name).inserted {
                        // Until clients are relayed to the room's node (docs/cluster.md: not
                        // built yet), this node's copy of the room runs on its own.
                        self.logger.warning("room is leased by another node; this node's participants are in a separate copy", metadata: [
                            "room": "\(name)", "node_id": "\(owner)",
                        ])
                    }
                }
            }
        }
    }

    // MARK: Registration

    /// One renewal: every local room's lease, the registration, the room list.
    func renew() {
        guard !isStopping else { return }
        claim(server.registry.rooms.keys.sorted())
        publish()
        relay.checkPeers()
        server.clusterAgents?.renewed()
    }

    /// The agent workers registered here changed: other nodes see it from the next turn.
    func workersChanged() {
        guard !isStopping else { return }
        publishSoon()
    }

    /// Publishes registration and rooms on the next loop turn (several room changes in one
    /// turn make one write).
    private func publishSoon() {
        if publishTimer == nil {
            publishTimer = LoopTimer(loop: server.loop) { [unowned self] in self.publish() }
        }
        if publishTimer?.isActive == false { publishTimer?.start(afterMilliseconds: 0) }
    }

    private func publish() {
        sampleCPU()
        let rooms = server.registry.sortedRooms
        let record = NodeRecord(
            id: nodeID, state: isStopping ? "SHUTTING_DOWN" : "SERVING", numRooms: rooms.count,
            numClients: rooms.reduce(0) { $0 + $1.participants.count }, cpuLoad: cpuLoad, numCPUs: ProcessInfo.processInfo.activeProcessorCount,
            startedAt: startedAt, updatedAt: Int64(Date().timeIntervalSince1970), version: WaveDefectServer.version)
        var list = JSONWriter()
        list.beginArray()
        for room in rooms { LiveKitJSON.writeRoom(room.snapshot, to: &list, nodeID: holder(of: room.name)) }
        list.endArray()
        let ttl = Array(String(ttlMilliseconds).utf8)
        let nowMilliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        redis.command(bytes: [Array("SET".utf8), Array(ClusterKeys.node(nodeID).utf8), record.json, Array("PX".utf8), ttl])
        redis.command(bytes: [Array("SET".utf8), Array(ClusterKeys.nodeRooms(nodeID).utf8), list.bytes, Array("PX".utf8), ttl])
        redis.command(bytes: [
            Array("SET".utf8), Array(ClusterKeys.workers(nodeID).utf8), WorkerRecord.json(server.workers.records(node: nodeID, draining: isStopping)), Array("PX".utf8), ttl,
        ])
        redis.command(["ZADD", ClusterKeys.nodes, String(nowMilliseconds), nodeID])
        // Ids of nodes not renewed for an hour leave the set (their keys expired long ago).
        redis.command(["ZREMRANGEBYSCORE", ClusterKeys.nodes, "-inf", String(nowMilliseconds - 3_600_000)])
    }

    /// Share of one CPU this process used since the previous sample (/proc/self/stat).
    private func sampleCPU() {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let ticks = ProcessStat.cpuTicks(stat) else { return }
        let now = SystemClock.monotonicNanoseconds
        if let previous = cpuSample, now > previous.at {
            let seconds = Double(now - previous.at) / 1e9
            cpuLoad = Double(ticks - previous.ticks) / Double(sysconf(Int32(_SC_CLK_TCK))) / seconds
        }
        cpuSample = (ticks, now)
    }

    // MARK: Reading the cluster

    /// Every live node's rooms except this node's, as LiveKit Room objects with `node_id`;
    /// nil when Redis cannot be asked.
    func remoteRooms(_ completion: @escaping ([JSONObject]?) -> Void) {
        redis.command(["ZRANGE", ClusterKeys.nodes, "0", "-1"]) { [weak self] result in
            guard let self, case .success(let value) = result, let ids = value.array?.compactMap(\.text) else { return completion(nil) }
            let others = ids.filter { $0 != self.nodeID }
            guard !others.isEmpty else { return completion([]) }
            self.redis.command(["MGET"] + others.map(ClusterKeys.nodeRooms)) { result in
                guard case .success(let value) = result, let lists = value.array else { return completion(nil) }
                var rooms: [JSONObject] = []
                for list in lists {
                    // An expired key (a dead node) is nil.
                    guard let bytes = list.bytes, let parsed = try? JSONParser.parse(bytes), let array = parsed.arrayValue else { continue }
                    rooms += array.compactMap(\.objectValue)
                }
                completion(rooms)
            }
        }
    }

    // MARK: Stopping

    /// Graceful shutdown: leases released and the registration removed, so other nodes need
    /// not wait for the TTL. Best effort: a node that dies instead is covered by the TTL.
    func stop() {
        guard !isStopping else { return }
        isStopping = true
        renewTimer = nil
        publishTimer = nil
        let names = server.registry.rooms.keys.filter { holder(of: $0) == nodeID }.sorted()
        var commands = [["DEL", ClusterKeys.node(nodeID), ClusterKeys.nodeRooms(nodeID), ClusterKeys.workers(nodeID)], ["ZREM", ClusterKeys.nodes, nodeID]]
        if !names.isEmpty {
            commands.append(["EVAL", ClusterKeys.releaseScript, String(names.count)] + names.map(ClusterKeys.roomLease) + [nodeID])
        }
        goodbyes = commands.count
        for command in commands {
            redis.command(command) { [weak self] _ in self?.goodbyes -= 1 }
        }
    }

    /// After `stop()`'s commands had their chance (the server's last turn).
    func close() {
        redis.close()
    }
}
