import ArgumentParser
import Foundation
import MusicCatalog

/// `--db`, shared by every command that reads or writes the catalog. The default is the
/// server's own catalog, so `wavedefect similar` looks where `wavedefect serve` ingested.
public struct CatalogOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite catalog file, the server's by default.")
    public var db: String = Catalog.defaultPath

    public init() {}

    /// Opens the catalog for a command that writes: the file (and its directory) are created
    /// when missing, and an older schema is migrated.
    func openForWriting() throws -> Catalog { try Self.openForWriting(db) }

    static func openForWriting(_ db: String) throws -> Catalog {
        do {
            let directory = URL(fileURLWithPath: db).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return try Catalog(path: db)
        } catch {
            throw CommandError("cannot open catalog \(db): \(error)")
        }
    }

    /// Opens the catalog for a command that only reads: nothing is created or changed, and a
    /// missing file is an error that says how a catalog comes to be.
    func openForReading() throws -> Catalog {
        guard FileManager.default.fileExists(atPath: db) else {
            throw CommandError(
                "no catalog at \(db); `wavedefect ingest --db \(db) FILES…` or `wavedefect serve` creates one")
        }
        do {
            return try Catalog(path: db, readOnly: true)
        } catch {
            throw CommandError("cannot open catalog \(db): \(error)")
        }
    }
}
