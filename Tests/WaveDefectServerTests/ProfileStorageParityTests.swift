import ClusterCore
import Foundation
import MusicCatalog
import RedisClient
import TestSupport
import Testing
@testable import WaveDefectServer

/// Taste profiles in Redis keep the SQLite store's rules: the same writes, step by step, on
/// the catalog's tables and on a real `redis-server` read back the same (docs/cluster.md).
@Suite struct ProfileStorageParityTests {
    /// A catalog with `tracks` tracks (ids 1…n), the SQLite store, and the Redis one over it.
    struct Stores {
        let redisServer: RedisServerProcess
        let catalog: Catalog
        let redis: RedisProfileStorage
        let ids: [Int64]

        init(tracks: Int = 8) throws {
            redisServer = try RedisServerProcess()
            let catalog = try Catalog(path: ":memory:")
            ids = try (0..<tracks).map { try catalog.addTrack(Track(title: "T\($0)", source: "/t\($0).wav")).id }
            let connection = RedisBlockingConnection(address: try RedisAddress.parse(redisServer.url), timeout: 2)
            redis = RedisProfileStorage(redis: connection, catalog: catalog)
            self.catalog = catalog
        }

        /// Runs `write` on both stores; both must agree on `identity`'s profile afterwards.
        func both(_ identity: String, _ write: (any ProfileStorage) throws -> Void) throws {
            try write(catalog)
            try write(redis)
            #expect(try redis.profile(identity: identity) == catalog.profile(identity: identity))
        }
    }

    func track(_ id: Int64, _ source: String = "profile", weight: Double = 1, at time: Double = 1_732_700_000.125) -> ProfileTrack {
        ProfileTrack(trackID: id, weight: weight, source: source, addedAt: time)
    }

    @Test func extendReplaceAndRemoveAgreeWithSQLite() throws {
        let s = try Stores()
        let id = s.ids
        #expect(try s.redis.profile(identity: "nobody").isEmpty)
        try s.both("alice") { try $0.extendProfile(identity: "alice", with: [track(id[2]), track(id[0], weight: 0.3333333333333333)]) }
        // A track written again takes the new values and keeps its place.
        try s.both("alice") { try $0.extendProfile(identity: "alice", with: [track(id[4]), track(id[2], "seed", weight: 2.5, at: 1_732_700_001.5)]) }
        #expect(try s.redis.profile(identity: "alice").map(\.trackID) == [id[2], id[0], id[4]])
        #expect(try s.redis.profile(identity: "alice")[0] == track(id[2], "seed", weight: 2.5, at: 1_732_700_001.5))
        try s.both("alice") { try $0.removeFromProfile(identity: "alice", trackIDs: [id[0], 999]) }
        try s.both("alice") { try $0.replaceProfile(identity: "alice", with: [track(id[5]), track(id[1])]) }
        #expect(try s.redis.profile(identity: "alice").map(\.trackID) == [id[5], id[1]])
        try s.both("alice") { try $0.replaceProfile(identity: "alice", with: []) }
        #expect(try s.redis.profile(identity: "alice").isEmpty)
    }

    @Test func replacingOneSourceKeepsTheOthers() throws {
        let s = try Stores()
        let id = s.ids
        try s.both("host") { try $0.extendProfile(identity: "host", with: [track(id[0]), track(id[1])]) }
        try s.both("host") { try $0.replaceProfile(identity: "host", source: "host_profile", with: [track(id[1], "host_profile"), track(id[2], "host_profile")]) }
        // id[1] stays the host's own (`profile`); id[2] is the definition's.
        #expect(try s.redis.profile(identity: "host").map(\.source) == ["profile", "profile", "host_profile"])
        try s.both("host") { try $0.replaceProfile(identity: "host", source: "host_profile", with: [track(id[3], "host_profile")]) }
        #expect(try s.redis.profile(identity: "host").map(\.trackID) == [id[0], id[1], id[3]])
        try s.both("host") { try $0.replaceProfile(identity: "host", source: "host_profile", with: []) }
    }

    @Test func unknownTracksAndBadWeightsFailTheWholeWrite() throws {
        let s = try Stores()
        let id = s.ids
        try s.redis.extendProfile(identity: "bob", with: [track(id[0])])
        #expect(throws: CatalogError.unknownTrack(999)) { try s.redis.extendProfile(identity: "bob", with: [track(id[1]), track(999)]) }
        #expect(throws: CatalogError.invalidProfileTrack(id[1])) { try s.redis.replaceProfile(identity: "bob", with: [track(id[1], weight: 0)]) }
        #expect(throws: CatalogError.invalidProfileTrack(id[1])) { try s.redis.extendProfile(identity: "bob", with: [track(id[1], weight: .infinity)]) }
        #expect(throws: CatalogError.invalidProfileTrack(id[1])) { try s.redis.extendProfile(identity: "bob", with: [track(id[1], "bad\tsource")]) }
        #expect(try s.redis.profile(identity: "bob").map(\.trackID) == [id[0]])
    }

    @Test func aTrackDeletedFromTheCatalogLeavesTheProfile() throws {
        let s = try Stores()
        let id = s.ids
        try s.both("carol") { try $0.extendProfile(identity: "carol", with: [track(id[0]), track(id[1]), track(id[2])]) }
        try s.catalog.removeTrack(id: id[1])
        #expect(try s.redis.profile(identity: "carol") == s.catalog.profile(identity: "carol"))
        #expect(try s.redis.profile(identity: "carol").map(\.trackID) == [id[0], id[2]])
    }

    @Test func roomHostsAndWhereTheyAreKept() throws {
        let s = try Stores()
        #expect(try s.redis.roomHost(room: "lab") == nil)
        try s.redis.setRoomHost(room: "lab", identity: "host")
        try s.redis.setRoomHost(room: "lab", identity: "dj")
        #expect(try s.redis.roomHost(room: "lab") == "dj")
        #expect(s.redisServer.get("wavedefect:room_host:lab") == "dj")
        try s.redis.extendProfile(identity: "dj", with: [track(s.ids[0])])
        let stored = s.redisServer.command("HGET wavedefect:profile:dj \(s.ids[0])").map { String(decoding: $0, as: UTF8.self) }
        #expect(stored?.contains("1\tprofile\t1.0\t1732700000.125") == true, "\(stored ?? "nil")")
    }

    @Test func redisDownIsAnErrorNamingRedisWithinTheTimeoutAndRedisBackWorksAgain() throws {
        let s = try Stores()
        try s.redis.extendProfile(identity: "dan", with: [track(s.ids[0])])
        s.redisServer.stop()
        let started = Date()
        do {
            _ = try s.redis.profile(identity: "dan")
            Issue.record("a profile read with Redis down succeeded")
        } catch let error as RedisError {
            #expect(error.isUnavailable)
            #expect(error.message.contains("Redis at redis://127.0.0.1:\(s.redisServer.port)"), "\(error.message)")
        }
        #expect(Date().timeIntervalSince(started) < 5)
        // Back, empty (nothing persisted in this test): the next call reconnects.
        try s.redisServer.start()
        #expect(try s.redis.profile(identity: "dan").isEmpty)
        try s.redis.extendProfile(identity: "dan", with: [track(s.ids[1])])
        #expect(try s.redis.profile(identity: "dan").map(\.trackID) == [s.ids[1]])
    }
}
