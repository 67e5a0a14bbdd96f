import ArgumentParser
import MusicCatalog

/// `--db`, shared by every command that reads or writes the catalog.
public struct CatalogOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite catalog file (created if missing).")
    public var db: String

    public init() {}

    func open() throws -> Catalog {
        do {
            return try Catalog(path: db)
        } catch {
            throw CommandError("cannot open catalog \(db): \(error)")
        }
    }
}
