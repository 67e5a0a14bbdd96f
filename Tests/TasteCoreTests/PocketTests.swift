import Testing
import VectorSearch

@testable import TasteCore

@Suite struct PocketTests {
    @Test func averageLinkageFindsTheKnownClusters() {
        let catalog = SyntheticCatalog(styles: 4, perStyle: 10)
        // Interleave styles so the clustering cannot lean on input order.
        let ids = (0..<10).flatMap { m in (0..<4).map { SyntheticCatalog.id(style: $0, member: m) } }
        let pockets = PocketClustering().cluster(ids.map { catalog.index.unitVector(id: $0)! })
        #expect(pockets.count == 4)
        for p in pockets { #expect(Set(p.map { SyntheticCatalog.style(of: ids[$0]) }).count == 1) }
        #expect(pockets.flatMap { $0 }.sorted() == Array(0..<40))
    }

    @Test func maxPocketsAndMaxClusteredBoundTheWork() {
        let catalog = SyntheticCatalog(styles: 6, perStyle: 10)
        let ids = (0..<6).flatMap { s in (0..<10).map { SyntheticCatalog.id(style: s, member: $0) } }
        let vectors = ids.map { catalog.index.unitVector(id: $0)! }
        #expect(PocketClustering(maxPockets: 3).cluster(vectors).count == 3)
        // Only the first 12 are clustered (styles 0 and 1); the rest join the nearest pocket.
        let partial = PocketClustering(maxClustered: 12).cluster(vectors)
        #expect(partial.count == 2)
        #expect(partial.flatMap { $0 }.count == 60)
        #expect(PocketClustering().cluster([]).isEmpty)
    }

    @Test func labelsPreferWhatSetsAPocketApart() {
        let all = [
            TrackInfo(id: 1, title: "Bossa Nova 1", artist: "Demo Band", album: "Bossa Nova"),
            TrackInfo(id: 2, title: "Bossa Nova 2", artist: "Demo Band", album: "Bossa Nova"),
            TrackInfo(id: 3, title: "Techno 1", artist: "Demo Band", album: "Techno"),
        ]
        let labeler = PocketLabeler(all: all)
        #expect(labeler.label(Array(all.prefix(2))) == "Bossa Nova")
        #expect(labeler.label([all[2]]) == "Techno")
        #expect(PocketLabeler.titleStem("Garage Rock 12") == "Garage Rock")
        let mixed = [TrackInfo(id: 4, title: "A", artist: "X", album: ""), TrackInfo(id: 5, title: "B", artist: "X", album: "")]
        #expect(PocketLabeler(all: mixed + [TrackInfo(id: 6, title: "C", artist: "Y")]).label(mixed) == "X")
    }
}
