import Testing
import WireJSON

@testable import TasteCore

@Suite struct TasteComparerTests {
    let catalog = SyntheticCatalog()
    let comparer = TasteComparer()

    @Test func identicalProfilesAreExactlyOne() {
        let p = catalog.profile([(0, 0), (0, 1), (2, 5), (4, 9)])
        #expect(comparer.similarity(p, p, vectors: catalog.index) == 1.0)
        let r = comparer.compare(host: "h", p, guest: "g", p, vectors: catalog.index, tracks: catalog.tracks)
        #expect(r.similarity == 1.0)
        #expect(r.matches.allSatisfy { $0.score == 1 && $0.hostTrack == $0.guestTrack })
        #expect(r.pockets.allSatisfy { $0.shared && $0.host == $0.guest })
    }

    @Test func aGuestWhoSharesTheHostsStyleRanksAboveOneWhoDoesNot() {
        // Host: styles 0 and 1. Sharer: other tracks of the same styles. Stranger: styles 3 and 4.
        let host = catalog.profile([(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)])
        let sharer = catalog.profile([(0, 10), (0, 11), (1, 12), (1, 13)])
        let halfSharer = catalog.profile([(0, 20), (0, 21), (3, 12), (4, 13)])
        let stranger = catalog.profile([(3, 10), (3, 11), (4, 12), (4, 13)])
        let s = comparer.similarity(host, sharer, vectors: catalog.index)
        let h = comparer.similarity(host, halfSharer, vectors: catalog.index)
        let x = comparer.similarity(host, stranger, vectors: catalog.index)
        #expect(s > h && h > x, "sharer \(s), half \(h), stranger \(x)")
        #expect(s > 0.7)
        #expect(x < 0.2)
        // Symmetric.
        #expect(comparer.similarity(sharer, host, vectors: catalog.index) == s)
    }

    @Test func profileGivesASideBySideResultWithPocketsAndMatches() throws {
        let host = catalog.profile([(0, 0), (0, 1), (0, 2), (1, 0)])
        let guest = catalog.profile([(0, 30), (0, 31), (2, 0), (2, 1), (2, 2)])
        let r = comparer.compare(host: "alice", host, guest: "bob", guest, vectors: catalog.index, tracks: catalog.tracks)
        #expect(r.host == "alice" && r.guest == "bob")
        #expect(r.hostTracks.map(\.id) == host.trackIDs)
        #expect(r.guestTracks.map(\.title) == ["Style 0 piece 31", "Style 0 piece 32", "Style 2 piece 1", "Style 2 piece 2", "Style 2 piece 3"])
        // Three pockets: style 0 shared (3 + 2), style 2 guest only, style 1 host only.
        let byLabel = Dictionary(uniqueKeysWithValues: r.pockets.map { ($0.label, $0) })
        #expect(Set(byLabel.keys) == ["Style 0", "Style 1", "Style 2"])
        #expect(byLabel["Style 0"].map { ($0.host, $0.guest, $0.shared) } ?? (0, 0, false) == (3, 2, true))
        #expect(byLabel["Style 1"].map { ($0.host, $0.guest, $0.shared) } ?? (0, 0, true) == (1, 0, false))
        #expect(byLabel["Style 2"].map { ($0.host, $0.guest, $0.shared) } ?? (0, 0, true) == (0, 3, false))
        #expect(r.pockets.first?.label == "Style 0")
        // Best matches pair style-0 tracks, each used once, best first.
        #expect(r.matches.count == 4)
        #expect(SyntheticCatalog.style(of: r.matches[0].hostTrack.id) == 0 && SyntheticCatalog.style(of: r.matches[0].guestTrack.id) == 0)
        #expect(Set(r.matches.map(\.hostTrack.id)).count == r.matches.count)
        #expect(zip(r.matches, r.matches.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(r.explanation.contains("both into Style 0"))
        #expect(r.explanation.contains("only the host: Style 1"))
        #expect(r.explanation.contains("only the guest: Style 2"))
        #expect(!r.explanation.contains("\n"))

        let json = try JSONParser.parse(TasteJSON.taste(r))
        #expect(json["host"] == "alice" && json["guest"] == "bob")
        #expect(json["similarity"]?.doubleValue == r.similarity)
        #expect(json["host_tracks"]?.arrayValue?.first == ["id": 0, "title": "Style 0 piece 1", "artist": "Synthetic Band"])
        let match = try #require(json["matches"]?.arrayValue?.first?.objectValue)
        #expect(match.keys == ["host_track", "guest_track", "score"])
        let pocket = try #require(json["pockets"]?.arrayValue?.first?.objectValue)
        #expect(pocket.keys == ["label", "host", "guest", "shared"])
        #expect(pocket["shared"] == true)
        #expect(json["explanation"]?.stringValue == r.explanation)
    }

    @Test func tracksWithoutVectorsAreListedButNotCompared() {
        let host = TasteProfile(trackIDs: [0, 999_999])
        let guest = TasteProfile(trackIDs: [999_998])
        let r = comparer.compare(host: "h", host, guest: "g", guest, vectors: catalog.index, tracks: catalog.tracks)
        #expect(r.similarity == 0)
        #expect(r.hostTracks.map(\.id) == [0, 999_999])
        #expect(r.guestTracks.map(\.id) == [999_998])
        #expect(r.matches.isEmpty)
        #expect(r.explanation == "the guest has no tracks in the index yet")
    }

    @Test func weightsShiftSimilarityTowardTheHeavierTracks() {
        let host = catalog.profile([(0, 0), (1, 0)])
        var guestLeaningShared = TasteProfile()
        guestLeaningShared.extend(with: [
            ProfileEntry(trackID: SyntheticCatalog.id(style: 0, member: 5), weight: 5, source: .spotifyTop, addedAt: 0),
            ProfileEntry(trackID: SyntheticCatalog.id(style: 3, member: 5), weight: 1, source: .spotifyTop, addedAt: 0),
        ])
        var guestLeaningAway = guestLeaningShared
        guestLeaningAway.replace(with: [
            ProfileEntry(trackID: SyntheticCatalog.id(style: 0, member: 5), weight: 1, source: .spotifyTop, addedAt: 0),
            ProfileEntry(trackID: SyntheticCatalog.id(style: 3, member: 5), weight: 5, source: .spotifyTop, addedAt: 0),
        ])
        #expect(
            comparer.similarity(host, guestLeaningShared, vectors: catalog.index)
                > comparer.similarity(host, guestLeaningAway, vectors: catalog.index))
    }

    @Test func roomBlendSharesPocketsAndPrefersTracksEveryoneIsNear() throws {
        let a = catalog.profile([(0, 0), (0, 1), (1, 0)])
        let b = catalog.profile([(0, 2), (2, 0)])
        let c = catalog.profile([(0, 3), (3, 0)])
        let blend = comparer.roomBlend(
            [("a", a), ("b", b), ("c", c), ("empty", TasteProfile())], vectors: catalog.index, tracks: catalog.tracks)
        #expect(blend.participants == ["a", "b", "c"])
        #expect(blend.cohesion > 0 && blend.cohesion < 1)
        let first = try #require(blend.pockets.first)
        #expect(first.label == "Style 0" && first.sharedBy == 3 && first.counts == [2, 1, 1])
        #expect(blend.pockets.dropFirst().allSatisfy { $0.sharedBy == 1 })
        // The common ground: style-0 tracks top the blend, a single person's niche comes after.
        #expect(blend.tracks.prefix(4).allSatisfy { SyntheticCatalog.style(of: $0.track.id) == 0 })
        #expect(blend.tracks.count == 7)

        let json = try JSONParser.parse(TasteJSON.roomBlend(blend))
        let inner = try #require(json["room_blend"])
        #expect(inner["participants"] == ["a", "b", "c"])
        #expect(inner["pockets"]?.arrayValue?.first?["counts"] == ["a": 2, "b": 1, "c": 1])
        #expect(inner["pockets"]?.arrayValue?.first?["shared_by"] == 3)
        #expect(inner["tracks"]?.arrayValue?.first?.objectValue?.keys == ["id", "title", "artist", "score"])
    }

    @Test func oneParticipantIsFullyCohesive() {
        let blend = comparer.roomBlend([("solo", catalog.profile([(0, 0)]))], vectors: catalog.index, tracks: catalog.tracks)
        #expect(blend.cohesion == 1)
        #expect(comparer.roomBlend([], vectors: catalog.index, tracks: catalog.tracks).cohesion == 0)
    }
}
