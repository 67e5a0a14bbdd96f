import Foundation
import MusicCatalog
import MusicIndex

/// The music index the server carries: the SQLite catalog, the in-memory vector index, and
/// (on a fresh database) the demo catalog, built on the thread pool so the server listens at
/// once.
final class MusicLibrary: Sendable {
    let catalog: Catalog
    let index: LiveIndex

    init(databasePath: String) throws {
        let directory = URL(fileURLWithPath: databasePath).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        catalog = try Catalog(path: databasePath)
        index = try LiveIndex(catalog: catalog)
    }

    /// Where demo tracks are written: `demo/` next to the database.
    static func demoDirectory(for databasePath: String) -> String {
        URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("demo").path
    }
}

extension WaveDefectServer {
    func openMusicLibrary() throws {
        let library: MusicLibrary
        do {
            library = try MusicLibrary(databasePath: configuration.databasePath)
        } catch {
            throw ConfigurationError("database \(configuration.databasePath): \(error)")
        }
        music = library
        logger.info("music catalog opened", metadata: ["db": "\(configuration.databasePath)", "tracks": "\(library.index.count)"])
        guard configuration.demoCatalog else { return }
        let directory = MusicLibrary.demoDirectory(for: configuration.databasePath)
        loop.submit(work: { () -> Result<Int, MusicLibraryError> in
            do {
                return .success(try DemoCatalog.ensure(in: library.catalog, directory: directory, index: library.index).tracksAdded)
            } catch {
                return .failure(MusicLibraryError(message: "\(error)"))
            }
        }, then: { [logger] result in
            switch result {
            case .success(let added):
                logger.info("demo catalog ready", metadata: ["added": "\(added)", "tracks": "\(library.index.count)", "dir": "\(directory)"])
            case .failure(let error):
                logger.error("demo catalog failed", metadata: ["error": "\(error.message)"])
            }
        })
    }
}

struct MusicLibraryError: Error, Sendable {
    let message: String
}
