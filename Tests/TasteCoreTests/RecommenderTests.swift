import Testing
import VectorSearch
import WireJSON

@testable import TasteCore

@Suite struct RecommenderTests {
    let catalog = SyntheticCatalog()
    func id(_ style: Int, _ member: Int) -> Int64 { SyntheticCatalog.id(style: style, member: member) }
    func styles(_ recs: [Recommendation]) -> [Int] { recs.map { SyntheticCatalog.style(of: $0.trackID) } }

    @Test func seedsGiveTheirNeighboursWithAWhyThatNamesTheAnchor() throws {
        var r = Recommender(knobs: Knobs(breadth: 0.5, explore: 0))
        let recs = try r.apply(.seeds([id(2, 0), id(2, 1)]), index: catalog.index, now: 0)
        #expect(recs.count == 10)
        #expect(styles(recs).allSatisfy { $0 == 2 })
        #expect(zip(recs, recs.dropFirst()).allSatisfy { $0.score >= $1.score })
        let first = try #require(recs.first)
        #expect([id(2, 0), id(2, 1)].contains(first.anchor.trackID))
        #expect(first.anchor.source == .seed)
        let v = catalog.index.unitVector(id: first.trackID)!, a = catalog.index.unitVector(id: first.anchor.trackID)!
        #expect(abs(first.anchorSimilarity - Double(VectorMath.dot(v, a))) < 0.001)
        #expect(first.why(catalog.tracks) == "near your seed “Style 2 piece \(first.anchor.trackID - 1999) – Synthetic Band” (cosine \(first.anchorSimilarity))")

        let json = try JSONParser.parse(TasteJSON.recs(for: "bob", recs, tracks: catalog.tracks))
        #expect(json["for"] == "bob")
        let track = try #require(json["tracks"]?.arrayValue?.first?.objectValue)
        #expect(track.keys == ["id", "title", "artist", "score", "why", "youtube_url"])
        #expect(track["why"]?.stringValue == first.why(catalog.tracks))
        #expect(track["youtube_url"] == .null, "no link known")
        let linked = try JSONParser.parse(TasteJSON.recs(for: "bob", recs, tracks: catalog.tracks, youtubeURLs: [first.trackID: "https://www.youtube.com/watch?v=x1"]))
        #expect(linked["tracks"]?.arrayValue?[0]["youtube_url"] == "https://www.youtube.com/watch?v=x1")
        #expect(linked["tracks"]?.arrayValue?[1]["youtube_url"] == .null)
    }

    @Test func seedsNeverComeBackOnAnyPage() throws {
        var r = Recommender()
        let seeds = [id(0, 0), id(3, 4), id(5, 59)]
        var seen: [Int64] = try r.apply(.seeds(seeds), index: catalog.index, now: 0).map(\.trackID)
        while true {
            let page = try r.apply(.more, index: catalog.index, now: 1)
            if page.isEmpty { break }
            seen += page.map(\.trackID)
        }
        #expect(Set(seen).isDisjoint(with: seeds))
        // Every other track is offered exactly once across the pages.
        #expect(seen.count == Set(seen).count)
        #expect(seen.count == catalog.index.count - seeds.count)
    }

    @Test func aThumbedDownTrackNeverComesBack() throws {
        var r = Recommender(knobs: Knobs(breadth: 0.5, explore: 0.3))
        let first = try r.apply(.seeds([id(1, 0), id(1, 1)]), index: catalog.index, now: 0)
        let disliked = try #require(first.first).trackID
        var lists = [try r.apply(.thumb(id: disliked, up: false), index: catalog.index, now: 1)]
        // Liking its neighbours, moving the knobs and paging must not bring it back.
        for (t, track) in first.dropFirst().prefix(3).enumerated() {
            lists.append(try r.apply(.thumb(id: track.trackID, up: true), index: catalog.index, now: Double(2 + t)))
        }
        lists.append(try r.apply(.knobs(breadth: 1, explore: 1), index: catalog.index, now: 9))
        lists.append(try r.apply(.knobs(breadth: 0, explore: 0), index: catalog.index, now: 10))
        while let page = try? r.apply(.more, index: catalog.index, now: 11), !page.isEmpty { lists.append(page) }
        #expect(lists.count > 10)
        #expect(lists.allSatisfy { !$0.map(\.trackID).contains(disliked) })
        #expect(r.thumbsDown == [disliked])
        // Thumbed-up tracks are anchors now, not results.
        let liked = Set(first.dropFirst().prefix(3).map(\.trackID))
        #expect(lists.dropFirst(4).allSatisfy { Set($0.map(\.trackID)).isDisjoint(with: liked) })
    }

    @Test func thumbingASeedDownRemovesItAndExcludesIt() throws {
        var r = Recommender()
        _ = try r.apply(.seeds([id(0, 0), id(4, 0)]), index: catalog.index, now: 0)
        let after = try r.apply(.thumb(id: id(4, 0), up: false), index: catalog.index, now: 1)
        #expect(r.seeds.map(\.trackID) == [id(0, 0)])
        #expect(!after.contains { $0.trackID == id(4, 0) })
        #expect(after.allSatisfy { $0.anchor.trackID == id(0, 0) })
    }

    @Test func aThumbUpReRanksTowardTheLikedTracksPocket() throws {
        var r = Recommender(knobs: Knobs(breadth: 0.5, explore: 0))
        let before = try r.apply(.seeds([id(0, 0), id(0, 1)]), index: catalog.index, now: 0)
        #expect(styles(before).allSatisfy { $0 == 0 })
        let after = try r.apply(.thumb(id: id(3, 7), up: true), index: catalog.index, now: 60)
        let fromLiked = after.filter { SyntheticCatalog.style(of: $0.trackID) == 3 }
        #expect(fromLiked.count >= 3, "styles after the thumb: \(styles(after))")
        #expect(fromLiked.allSatisfy { $0.anchor.trackID == id(3, 7) && $0.anchor.source == .thumb })
        #expect(fromLiked.first?.why(catalog.tracks).hasPrefix("near a track you liked, “Style 3 piece 8") == true)
        #expect(!after.contains { $0.trackID == id(3, 7) })
    }

    @Test func recencyDecayFavoursTheNewestAnchors() throws {
        // Same anchors, added in opposite orders an hour apart: the newer pocket leads.
        var settings = Recommender.Settings()
        settings.halfLife = 600
        var oldFirst = Recommender(settings: settings, knobs: Knobs(breadth: 0.3, explore: 0))
        _ = try oldFirst.apply(.thumb(id: id(1, 0), up: true), index: catalog.index, now: 0)
        let newer4 = try oldFirst.apply(.thumb(id: id(4, 0), up: true), index: catalog.index, now: 3600)
        var newFirst = Recommender(settings: settings, knobs: Knobs(breadth: 0.3, explore: 0))
        _ = try newFirst.apply(.thumb(id: id(4, 0), up: true), index: catalog.index, now: 0)
        let newer1 = try newFirst.apply(.thumb(id: id(1, 0), up: true), index: catalog.index, now: 3600)
        #expect(styles(newer4).filter { $0 == 4 }.count > styles(newer4).filter { $0 == 1 }.count)
        #expect(styles(newer1).filter { $0 == 1 }.count > styles(newer1).filter { $0 == 4 }.count)
    }

    /// breadth: 0 = the heaviest pocket only, 1 = every liked pocket. Measured as the number of
    /// anchor pockets (styles) the top 10 come from, and the share outside the heaviest.
    @Test func breadthSpreadsTheListOverMoreLikedPockets() throws {
        var spread: [(pockets: Int, outside: Int)] = []
        for breadth in [0.0, 0.5, 1.0] {
            var r = Recommender(knobs: Knobs(breadth: breadth, explore: 0))
            _ = try r.apply(.seeds([id(0, 0), id(0, 1), id(0, 2)]), index: catalog.index, now: 0)
            _ = try r.apply(.thumb(id: id(1, 0), up: true), index: catalog.index, now: 1)
            let recs = try r.apply(.thumb(id: id(2, 0), up: true), index: catalog.index, now: 2)
            let s = styles(recs)
            spread.append((Set(s).count, s.filter { $0 != 0 }.count))
        }
        #expect(spread[0].pockets == 1 && spread[0].outside == 0, "\(spread)")
        #expect(spread[2].pockets == 3, "\(spread)")
        #expect(spread[0].outside <= spread[1].outside && spread[1].outside <= spread[2].outside, "\(spread)")
        #expect(spread[0].outside < spread[2].outside)
    }

    /// explore: 0 = familiar (closest to the anchors), 1 = novel. Measured as the mean best
    /// cosine of the results to the anchors and the mean pairwise cosine inside the list.
    @Test func exploreMovesTheListAwayFromTheAnchorsAndApart() throws {
        let seeds = [id(0, 0), id(1, 0)]
        var measured: [(anchors: Double, intraList: Double)] = []
        for explore in [0.0, 0.5, 1.0] {
            var r = Recommender(knobs: Knobs(breadth: 0.5, explore: explore))
            let ids = try r.apply(.seeds(seeds), index: catalog.index, now: 0).map(\.trackID)
            let vectors = ids.map { catalog.index.unitVector(id: $0)! }
            var pair = 0.0, pairs = 0
            for i in 0..<vectors.count {
                for j in (i + 1)..<vectors.count {
                    pair += Double(VectorMath.dot(vectors[i], vectors[j]))
                    pairs += 1
                }
            }
            measured.append((catalog.meanBestCosine(ids, to: seeds), pair / Double(pairs)))
        }
        #expect(measured[0].anchors > measured[1].anchors && measured[1].anchors > measured[2].anchors, "\(measured)")
        #expect(measured[0].intraList > measured[2].intraList, "\(measured)")
    }

    @Test func morePagesFurtherAndAReRankStartsOver() throws {
        var r = Recommender(knobs: Knobs(breadth: 0.5, explore: 0))
        let page1 = try r.apply(.seeds([id(5, 0)]), index: catalog.index, now: 0)
        let page2 = try r.apply(.more, index: catalog.index, now: 1)
        #expect(page2.count == 10)
        #expect(Set(page1.map(\.trackID)).isDisjoint(with: page2.map(\.trackID)))
        #expect(page1.last!.score >= page2.first!.score)
        let again = try r.apply(.knobs(breadth: 0.5, explore: nil), index: catalog.index, now: 2)
        #expect(again == page1)
    }

    @Test func unknownSeedsAreRefusedWithoutChangingAnything() throws {
        var r = Recommender()
        #expect(throws: TastePayloadError.noAnchors) { try r.recommend(index: catalog.index) }
        _ = try r.apply(.seeds([id(0, 0)]), index: catalog.index, now: 0)
        do {
            _ = try r.apply(.seeds([id(0, 1), 424_242]), index: catalog.index, now: 1)
            Issue.record("unknown seed accepted")
        } catch {
            #expect(error.isUnknownTracks && error.trackIDs == [424_242])
            #expect(String(decoding: TasteJSON.error(error), as: UTF8.self) == #"{"error":"unknown track id (not in the index): 424242","unknown":[424242]}"#)
        }
        #expect(r.seeds.map(\.trackID) == [id(0, 0)])
        #expect(throws: TastePayloadError.unknownTracks([7_777_777])) { try r.apply(.thumb(id: 7_777_777, up: true), index: catalog.index, now: 2) }
        // Thumbing down an unknown track is fine: it is simply never shown.
        _ = try r.apply(.thumb(id: 7_777_777, up: false), index: catalog.index, now: 3)
        #expect(r.thumbsDown.contains(7_777_777))
        #expect(throws: TastePayloadError.noAnchors) { try r.apply(.seeds([]), index: catalog.index, now: 4) }
    }

    @Test func profileTracksAreAnchorsToo() throws {
        var r = Recommender(knobs: Knobs(breadth: 0.5, explore: 0))
        r.useProfile(catalog.profile([(4, 0), (4, 1)]))
        let recs = try r.recommend(index: catalog.index)
        #expect(styles(recs).allSatisfy { $0 == 4 })
        #expect(!recs.contains { [id(4, 0), id(4, 1)].contains($0.trackID) })
        #expect(recs.first?.why(catalog.tracks).hasPrefix("near your profile track") == true)
    }

    @Test func theCacheFollowsTheIndex() throws {
        var index = catalog.index
        var r = Recommender(knobs: Knobs(breadth: 0.5, explore: 0))
        let before = try r.apply(.seeds([id(0, 0)]), index: index, now: 0)
        // A new track identical to the seed's neighbourhood appears: the next list must see it.
        index.upsert(id: 123_456, vector: catalog.index.unitVector(id: id(0, 0))!.map { $0 + 0.001 })
        let after = try r.apply(.more, index: index, now: 1)
        #expect(!before.contains { $0.trackID == 123_456 })
        #expect(after.first?.trackID == 123_456)
    }
}
