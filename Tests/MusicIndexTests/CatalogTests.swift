import CSQLite
import Foundation
import Testing

@testable import MusicCatalog

@Suite struct CatalogTests {
    @Test func aNewCatalogHasTheLatestSchema() throws {
        let catalog = try Catalog(path: ":memory:")
        #expect(try catalog.schemaVersion == Catalog.migrations.count)
    }

    @Test func anOlderFileIsMigratedAndANewerOneRefused() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("old.sqlite")
        do {
            // A catalog as version 1 left it.
            let connection = try SQLiteConnection(path: path)
            try connection.execute(Catalog.migrations[0])
            try connection.execute("PRAGMA user_version = 1")
            try connection.execute("INSERT INTO tracks (source) VALUES ('/old.wav')")
        }
        let catalog = try Catalog(path: path)
        #expect(try catalog.schemaVersion == Catalog.migrations.count)
        #expect(try catalog.allTracks().map(\.source) == ["/old.wav"])
        let index = try catalog.locked { db in try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'tracks_by_source'") }
        #expect(index == 1)
        try catalog.locked { db in try db.execute("PRAGMA user_version = 99") }
        #expect(throws: CatalogError.schemaTooNew(found: 99, known: Catalog.migrations.count)) { try Catalog(path: path) }
    }

    @Test func tracksKeepTheirMetadataAndExternalIDs() throws {
        let catalog = try Catalog(path: ":memory:")
        let added = try catalog.addTrack(
            Track(title: "So What", artist: "Miles Davis", album: "Kind of Blue", source: "https://example.invalid/preview.m4a",
                  duration: 29.98, contentHash: "abc", externalIDs: ["itunes": "268443097", "spotify": "4vLYewWIvqHfKtJDk8c8tq"]))
        #expect(added.id > 0)
        #expect(try catalog.track(id: added.id) == added)
        #expect(try catalog.track(contentHash: "abc")?.id == added.id)
        #expect(try catalog.track(externalID: "268443097", service: "itunes")?.title == "So What")
        try catalog.setExternalID("new", service: "spotify", trackID: added.id)
        #expect(try catalog.track(id: added.id)?.externalIDs["spotify"] == "new")
        #expect(throws: CatalogError.unknownTrack(999)) { try catalog.setExternalID("x", service: "s", trackID: 999) }
    }

    @Test func theSameContentCannotBeAddedTwice() throws {
        let catalog = try Catalog(path: ":memory:")
        try catalog.addTrack(Track(source: "/a.wav", contentHash: "h"))
        #expect { try catalog.addTrack(Track(source: "/b.wav", contentHash: "h")) } throws: { error in
            (error as? SQLiteError)?.isConstraintViolation == true
        }
        #expect(try catalog.trackCount() == 1)
    }

    @Test func vectorsRoundTripBitForBitPerModel() throws {
        let catalog = try Catalog(path: ":memory:")
        let a = try catalog.addTrack(Track(source: "/a"), vector: [1.5, -0.0, .leastNonzeroMagnitude], model: "m3")
        let b = try catalog.addTrack(Track(source: "/b"))
        try catalog.setVector([0.1, 0.2, 0.3], trackID: b.id, model: "m3")
        try catalog.setVector([Float](repeating: 0.5, count: 1024), trackID: b.id, model: "clap-1024")
        let table = try #require(try catalog.vectors(model: "m3"))
        #expect(table.ids == [a.id, b.id] && table.dimension == 3)
        #expect(table.values.map(\.bitPattern) == [Float(1.5), -0.0, .leastNonzeroMagnitude, 0.1, 0.2, 0.3].map(\.bitPattern))
        #expect(try catalog.vector(trackID: b.id, model: "clap-1024")?.count == 1024)
        #expect(try catalog.vectors(model: "unknown") == nil)
        #expect(try catalog.models().map { "\($0.name):\($0.dimension):\($0.vectorCount)" } == ["clap-1024:1024:1", "m3:3:2"])
    }

    @Test func badVectorsAreRefused() throws {
        let catalog = try Catalog(path: ":memory:")
        let t = try catalog.addTrack(Track(source: "/a"), vector: [1, 2, 3], model: "m3")
        #expect(throws: CatalogError.dimensionMismatch(model: "m3", expected: 3, got: 2)) {
            try catalog.setVector([1, 2], trackID: t.id, model: "m3")
        }
        #expect(throws: CatalogError.unknownTrack(42)) { try catalog.setVector([1, 2, 3], trackID: 42, model: "m3") }
        #expect(throws: CatalogError.nonFiniteVector(trackID: t.id)) { try catalog.setVector([1, .nan, 3], trackID: t.id, model: "m3") }
        #expect(throws: CatalogError.invalidModelName("bad name")) { try catalog.setVector([1], trackID: t.id, model: "bad name") }
        #expect(throws: CatalogError.dimensionMismatch(model: "e", expected: 1, got: 0)) { try catalog.setVector([], trackID: t.id, model: "e") }
    }

    @Test func importIsAllOrNothing() throws {
        let catalog = try Catalog(path: ":memory:")
        let a = try catalog.addTrack(Track(source: "/a"))
        let b = try catalog.addTrack(Track(source: "/b"))
        let bad = VectorTable(model: "x", dimension: 2, ids: [a.id, 777], values: [1, 2, 3, 4])
        #expect(throws: CatalogError.unknownTrack(777)) { try catalog.importVectors(bad) }
        #expect(try catalog.vectors(model: "x") == nil)  // not even the model was left behind
        try catalog.importVectors(VectorTable(model: "x", dimension: 2, ids: [b.id, a.id], values: [1, 2, 3, 4]), description: "test")
        #expect(try catalog.vectors(model: "x")?.values == [3, 4, 1, 2])
        #expect(try catalog.models().first?.description == "test")
    }

    @Test func removingATrackRemovesItsVectorsAndIDs() throws {
        let catalog = try Catalog(path: ":memory:")
        let t = try catalog.addTrack(Track(source: "/a", externalIDs: ["itunes": "1"]), vector: [1, 2], model: "m")
        try catalog.removeTrack(id: t.id)
        #expect(try catalog.vectors(model: "m")?.count == 0)
        #expect(try catalog.track(externalID: "1", service: "itunes") == nil)
    }

    @Test func concurrentWritersAreSerialized() async throws {
        let catalog = try Catalog(path: ":memory:")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    for j in 0..<25 { try catalog.addTrack(Track(source: "/\(i)/\(j)"), vector: [Float(i), Float(j)], model: "m") }
                }
            }
            try await group.waitForAll()
        }
        #expect(try catalog.trackCount() == 200)
        #expect(try catalog.vectors(model: "m")?.count == 200)
    }
}
