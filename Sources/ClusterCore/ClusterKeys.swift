/// What a cluster keeps in Redis (docs/cluster.md#keys), all under `wavedefect:`:
///
/// - `wavedefect:node:<id>`: the node's registration, a `NodeRecord` in JSON, with a TTL of
///   the lease; renewed every third of it. A node whose key expired is dead.
/// - `wavedefect:nodes`: a sorted set of node ids (score: last renewal, ms since the epoch),
///   so readers list nodes without SCAN; the TTL'd key above decides who is alive.
/// - `wavedefect:room:<name>`: the room's lease, the id of the node it lives on, SET NX PX
///   when the room starts there and renewed with the node's registration.
/// - `wavedefect:node_rooms:<id>`: the rooms the node holds, as a JSON array of LiveKit Room
///   objects (with `node_id`), same TTL: what `ListRooms` on another node answers from.
public enum ClusterKeys {
    public static let prefix = "wavedefect:"
    public static let nodes = prefix + "nodes"

    public static func node(_ id: String) -> String { prefix + "node:" + id }
    public static func roomLease(_ room: String) -> String { prefix + "room:" + room }
    public static func nodeRooms(_ id: String) -> String { prefix + "node_rooms:" + id }

    /// Renews or claims leases in one round trip: KEYS are lease keys, ARGV[1] the node id,
    /// ARGV[2] the TTL in ms. Per key, 1 when the node holds it afterwards (renewed, or
    /// claimed because nobody held it — after an expiry or a Redis that came back empty),
    /// 0 when another node holds it. Lua runs atomically, so two nodes never both get 1.
    public static let claimScript = """
        local out = {}
        for i, key in ipairs(KEYS) do
          local holder = redis.call('GET', key)
          if holder == ARGV[1] then
            redis.call('PEXPIRE', key, ARGV[2])
            out[i] = 1
          elseif not holder then
            redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
            out[i] = 1
          else
            out[i] = 0
          end
        end
        return out
        """

    /// The lease a join reads before it creates or joins anything (docs/cluster.md#connect-anywhere):
    /// KEYS[1] the room's lease, ARGV[1] the asking node, ARGV[2] the TTL in ms. Nobody holds
    /// it → the asking node takes it (`SET PX`) and is answered; else the holder is. One
    /// atomic step, so two nodes starting one new room in the same instant get the same
    /// answer: the first script to run wins, the other node relays its client there.
    public static let leaseForJoinScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder then return holder end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return ARGV[1]
        """

    /// Gives up leases this node holds (KEYS), leaving others' alone (ARGV[1]: the node id).
    public static let releaseScript = """
        local n = 0
        for _, key in ipairs(KEYS) do
          if redis.call('GET', key) == ARGV[1] then
            redis.call('DEL', key)
            n = n + 1
          end
        end
        return n
        """
}

extension ClusterKeys {
    /// The pub/sub channel a node listens on for relay envelopes (`RelayEnvelope`) addressed
    /// to it: client messages for its rooms, and frames for its relayed clients.
    public static func relayChannel(_ nodeID: String) -> String { prefix + "relay:" + nodeID }
}
