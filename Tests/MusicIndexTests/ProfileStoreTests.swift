import Foundation
import Testing

@testable import MusicCatalog

@Suite struct ProfileStoreTests {
    func catalog(tracks: Int, path: String = ":memory:") throws -> (Catalog, [Int64]) {
        let catalog = try Catalog(path: path)
        let ids = try (0..<tracks).map { try catalog.addTrack(Track(title: "T\($0)", source: "/t\($0).wav")).id }
        return (catalog, ids)
    }

    @Test func aReturningIdentityGetsItsProfileBackFromTheFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("catalog.sqlite")
        var ids: [Int64] = []
        do {
            let (catalog, added) = try catalog(tracks: 4, path: path)
            ids = added
            try catalog.extendProfile(identity: "alice", with: [
                ProfileTrack(trackID: ids[2], source: "profile", addedAt: 100),
                ProfileTrack(trackID: ids[0], weight: 2.5, source: "spotify_top", addedAt: 101),
            ])
            try catalog.extendProfile(identity: "bob", with: [ProfileTrack(trackID: ids[1], source: "seed", addedAt: 102)])
        }
        let reopened = try Catalog(path: path)
        #expect(try reopened.profile(identity: "alice") == [
            ProfileTrack(trackID: ids[2], source: "profile", addedAt: 100),
            ProfileTrack(trackID: ids[0], weight: 2.5, source: "spotify_top", addedAt: 101),
        ])
        #expect(try reopened.profile(identity: "bob").map(\.trackID) == [ids[1]])
        #expect(try reopened.profile(identity: "carol").isEmpty)
    }

    @Test func extendKeepsPlacesAndReplaceStartsOver() throws {
        let (catalog, ids) = try catalog(tracks: 4)
        try catalog.extendProfile(identity: "a", with: [ProfileTrack(trackID: ids[0], source: "profile", addedAt: 1), ProfileTrack(trackID: ids[1], source: "profile", addedAt: 1)])
        try catalog.extendProfile(identity: "a", with: [ProfileTrack(trackID: ids[3], source: "thumb", addedAt: 2), ProfileTrack(trackID: ids[0], weight: 3, source: "thumb", addedAt: 2)])
        #expect(try catalog.profile(identity: "a") == [
            ProfileTrack(trackID: ids[0], weight: 3, source: "thumb", addedAt: 2),
            ProfileTrack(trackID: ids[1], source: "profile", addedAt: 1),
            ProfileTrack(trackID: ids[3], source: "thumb", addedAt: 2),
        ])
        try catalog.replaceProfile(identity: "a", with: [ProfileTrack(trackID: ids[2], source: "profile", addedAt: 3)])
        #expect(try catalog.profile(identity: "a").map(\.trackID) == [ids[2]])
        try catalog.removeFromProfile(identity: "a", trackIDs: [ids[2], 999])
        #expect(try catalog.profile(identity: "a").isEmpty)
    }

    @Test func aHostProfileFromTheDefinitionIsReplacedWithoutTouchingTheHostsOwnTracks() throws {
        let (catalog, ids) = try catalog(tracks: 5)
        try catalog.replaceProfile(identity: "host", source: "host_profile", with: [
            ProfileTrack(trackID: ids[0], source: "host_profile", addedAt: 1), ProfileTrack(trackID: ids[1], source: "host_profile", addedAt: 1),
        ])
        try catalog.extendProfile(identity: "host", with: [ProfileTrack(trackID: ids[2], source: "profile", addedAt: 2)])
        // The definition changed: track 1 dropped, 3 added; the host's own track 2 stays, and a
        // definition track the host also added itself keeps the host's source.
        try catalog.extendProfile(identity: "host", with: [ProfileTrack(trackID: ids[4], source: "profile", addedAt: 3)])
        try catalog.replaceProfile(identity: "host", source: "host_profile", with: [
            ProfileTrack(trackID: ids[0], source: "host_profile", addedAt: 4), ProfileTrack(trackID: ids[3], source: "host_profile", addedAt: 4),
            ProfileTrack(trackID: ids[4], source: "host_profile", addedAt: 4),
        ])
        let stored = try catalog.profile(identity: "host")
        #expect(Set(stored.map(\.trackID)) == [ids[0], ids[2], ids[3], ids[4]])
        #expect(stored.first { $0.trackID == ids[4] }?.source == "profile")
        #expect(stored.first { $0.trackID == ids[0] }?.source == "host_profile")
        try catalog.setRoomHost(room: "demo", identity: "host")
        try catalog.setRoomHost(room: "demo", identity: "dj")
        #expect(try catalog.roomHost(room: "demo") == "dj")
        #expect(try catalog.roomHost(room: "other") == nil)
    }

    @Test func unknownTracksAndBadWeightsFailTheWholeWrite() throws {
        let (catalog, ids) = try catalog(tracks: 2)
        #expect(throws: CatalogError.unknownTrack(424_242)) {
            try catalog.extendProfile(identity: "a", with: [ProfileTrack(trackID: ids[0], source: "profile", addedAt: 1), ProfileTrack(trackID: 424_242, source: "profile", addedAt: 1)])
        }
        #expect(throws: CatalogError.invalidProfileTrack(ids[1])) {
            try catalog.replaceProfile(identity: "a", with: [ProfileTrack(trackID: ids[1], weight: 0, source: "profile", addedAt: 1)])
        }
        #expect(try catalog.profile(identity: "a").isEmpty)
    }

    @Test func deletingATrackRemovesItFromEveryProfile() throws {
        let (catalog, ids) = try catalog(tracks: 2)
        for who in ["a", "b"] { try catalog.extendProfile(identity: who, with: ids.map { ProfileTrack(trackID: $0, source: "profile", addedAt: 1) }) }
        try catalog.removeTrack(id: ids[0])
        #expect(try catalog.profile(identity: "a").map(\.trackID) == [ids[1]])
        #expect(try catalog.profile(identity: "b").map(\.trackID) == [ids[1]])
    }
}
