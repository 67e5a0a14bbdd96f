import ClusterCore
import EventLoop
import RedisClient
import TestSupport
import Testing

/// The lease scripts (ClusterKeys) run by a real Redis: what the node relies on.
@Suite struct RoomLeaseScriptTests {
    @Test func claimRenewConflictAndRelease() throws {
        let redis = try RedisServerProcess()
        let f = try RedisClientTests.Fixture(redis.url)
        #expect(f.waitConnected())
        func claim(_ node: String, _ rooms: [String], ttl: Int = 5000) throws -> [Int64] {
            let args = ["EVAL", ClusterKeys.claimScript, String(rooms.count)] + rooms.map(ClusterKeys.roomLease) + [node, String(ttl)]
            return try f.run(args)?.get().array?.compactMap(\.integer) ?? []
        }
        // Free rooms are claimed; a room another node holds is not.
        #expect(try claim("a", ["r1", "r2"]) == [1, 1])
        #expect(try claim("b", ["r2", "r3"]) == [0, 1])
        #expect(try f.run(["GET", ClusterKeys.roomLease("r2")])?.get().text == "a")
        // Renewing extends the TTL of the holder's lease only.
        _ = f.run(["PEXPIRE", ClusterKeys.roomLease("r1"), "100"])
        #expect(try claim("a", ["r1"], ttl: 4000) == [1])
        let ttl = try f.run(["PTTL", ClusterKeys.roomLease("r1")])?.get().integer ?? 0
        #expect(ttl > 3000 && ttl <= 4000)
        // Release gives back only the caller's leases.
        let released = try f.run(["EVAL", ClusterKeys.releaseScript, "2", ClusterKeys.roomLease("r1"), ClusterKeys.roomLease("r3"), "a"])?.get().integer
        #expect(released == 1)
        #expect(try f.run(["EXISTS", ClusterKeys.roomLease("r1"), ClusterKeys.roomLease("r3")])?.get().integer == 1)
        // An expired lease is free again.
        #expect(try claim("b", ["r4"], ttl: 50) == [1])
        #expect(runLoop(f.loop) { (try? f.run(["EXISTS", ClusterKeys.roomLease("r4")])?.get().integer) == 0 })
        #expect(try claim("c", ["r4"]) == [1])
    }
}
