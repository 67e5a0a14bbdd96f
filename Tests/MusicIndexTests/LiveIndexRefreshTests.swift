import Foundation
import MusicCatalog
import MusicIndex
import Testing

/// A read-only reader's index following a catalog another connection writes
/// (docs/cluster.md#the-catalog): new tracks are added, a deletion reloads, nothing changed
/// reads nothing more.
@Suite struct LiveIndexRefreshTests {
    func vector() -> [Float] { (0..<BuiltInEmbedding.dimension).map { _ in Float.random(in: -1...1) } }

    @Test func newTracksAreAddedAndADeletionReloads() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-refresh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("catalog.sqlite").path
        let writer = try Catalog(path: path)
        let model = BuiltInEmbedding.modelName
        func add(_ n: Int) throws -> [Int64] {
            try (0..<n).map { i in try writer.addTrack(Track(title: "T\(i)", source: "/t/\(UUID().uuidString).wav"), vector: vector(), model: model).id }
        }
        let first = try add(3)

        let reader = try Catalog(path: path, readOnly: true)
        let index = try LiveIndex(catalog: reader)
        let refresh = LiveIndexRefresh(catalog: reader, index: index)
        #expect(try refresh.refresh() == .unchanged)
        #expect(try refresh.refresh() == .unchanged)

        let later = try add(2)
        #expect(try refresh.refresh() == .added(2))
        #expect(index.count == 5 && later.allSatisfy { index.snapshot.contains(id: $0) })
        #expect(try refresh.refresh() == .unchanged)

        try writer.removeTrack(id: first[1])
        #expect(try refresh.refresh() == .reloaded(4))
        #expect(!index.snapshot.contains(id: first[1]) && index.count == 4)
        let last = try add(1)
        #expect(try refresh.refresh() == .added(1))
        #expect(index.snapshot.contains(id: last[0]) && index.count == 5)
    }
}
