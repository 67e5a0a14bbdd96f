import Foundation
import MusicAgents
import MusicCatalog
import TasteCore
import MusicIndex
import MusicRecognition

/// Fills a fresh library with the demo catalog and returns how many tracks it added. Building
/// it decodes and embeds audio, which the server target does not link: the executable, which
/// links MusicIngest for its `ingest` command anyway, hands this in.
public typealias DemoCatalogBuilder = @Sendable (_ catalog: Catalog, _ index: LiveIndex, _ directory: String) throws -> Int

/// The music index the server carries: the SQLite catalog, the in-memory vector index, and
/// (on a fresh database) the demo catalog, built on the thread pool so the server listens at
/// once.
final class MusicLibrary: Sendable {
    let catalog: Catalog
    let index: LiveIndex
    /// The fingerprint rule of near-duplicate collapse in search (docs/recognition.md#same-recording).
    let sameRecording: SameRecordingCheck

    /// Taste profiles and room hosts: the catalog itself, or Redis in a cluster.
    let profiles: any ProfileStorage
    /// Opened read-only (a cluster node sharing another node's catalog): nothing is written.
    let isReadOnly: Bool

    /// `readOnly`: the file must exist with this build's schema (docs/cluster.md#the-catalog).
    /// `profiles` makes the profile storage from the opened catalog (nil: the catalog's own tables).
    init(databasePath: String, readOnly: Bool = false, profiles: (@Sendable (Catalog) -> any ProfileStorage)? = nil) throws {
        if !readOnly {
            let directory = URL(fileURLWithPath: databasePath).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        catalog = try Catalog(path: databasePath, readOnly: readOnly)
        index = try LiveIndex(catalog: catalog)
        sameRecording = SameRecordingCheck(catalog: catalog)
        self.profiles = profiles?(catalog) ?? catalog
        isReadOnly = readOnly
    }

    /// Where demo tracks are written: `demo/` next to the database.
    static func demoDirectory(for databasePath: String) -> String {
        URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("demo").path
    }
}

extension WaveDefectServer {
    /// The YouTube links the server's agents put into what they publish (nil: no key, or not
    /// started): `serve` hands it to the agents made outside the server, such as the
    /// `recognizer` (`TrackLinkSlot`). Read it after `start()`, on the thread that runs the loop.
    public var trackLinks: (any TrackLinkSource)? { musicContext?.trackLinks }

    func openMusicLibrary() throws {
        let library: MusicLibrary
        let readOnly = configuration.cluster.catalogReadOnly
        do {
            library = try MusicLibrary(databasePath: configuration.databasePath, readOnly: readOnly, profiles: clusterProfileStorage())
        } catch {
            throw ConfigurationError("database \(configuration.databasePath)\(readOnly ? " (read-only)" : ""): \(error)")
        }
        music = library
        startITunes(library)
        // The shipped agents run over the server's own catalog and index; agents given to
        // `init` (embedders, tests) keep precedence.
        let links: (any TrackLinkSource)? = youtube.isEnabled ? CatalogTrackLinks(catalog: library.catalog, server: self) : nil
        let context = MusicContext(catalog: library.catalog, index: library.index, trackLinks: links, profileStorage: library.profiles)
        musicContext = context
        let shipped = StandardAgents.factory(context: context)
        for name in shipped.names where agentDispatcher.factory.maker(for: name) == nil {
            agentDispatcher.factory.register(name, topics: shipped.topics(for: name), shipped.maker(for: name)!)
        }
        logger.info("music catalog opened", metadata: [
            "db": "\(configuration.databasePath)", "tracks": "\(library.index.count)", "read_only": "\(readOnly)",
            "profiles": "\(library.profiles is Catalog ? "sqlite" : "redis")",
        ])
        if readOnly {
            catalogRefresher = CatalogRefresher(
                loop: loop, refresh: LiveIndexRefresh(catalog: library.catalog, index: library.index), seconds: configuration.cluster.catalogRefreshInterval, logger: logger)
        }
        guard configuration.demoCatalog, !readOnly else { return storeHostProfiles() }
        guard let buildDemoCatalog else {
            logger.notice("demo catalog skipped: this build of the server has no demo catalog builder")
            return storeHostProfiles()
        }
        let directory = MusicLibrary.demoDirectory(for: configuration.databasePath)
        loop.submit(work: { () -> Result<Int, MusicLibraryError> in
            do {
                let added = try buildDemoCatalog(library.catalog, library.index, directory)
                // Learn the standardization from the whole catalog, as an index loaded from it
                // does: agents run by bots and workers (which load it) then agree with ours.
                if added > 0 { library.index.relearnStandardization() }
                return .success(added)
            } catch {
                return .failure(MusicLibraryError(message: "\(error)"))
            }
        }, then: { [logger, unowned self] result in
            switch result {
            case .success(let added):
                logger.info("demo catalog ready", metadata: ["added": "\(added)", "tracks": "\(library.index.count)", "dir": "\(directory)"])
            case .failure(let error):
                logger.error("demo catalog failed", metadata: ["error": "\(error.message)"])
            }
            self.storeHostProfiles()
        })
    }

    /// Stores the `host_profile` of every room definition as its host's profile (source
    /// `host_profile`, replacing what an earlier start stored; what the host published
    /// itself stays), so the taste agent compares guests with it even while the host is
    /// offline. Runs once the catalog is complete, on the thread pool.
    func storeHostProfiles() {
        guard let context = musicContext else { return }
        let wanted = registry.definitions.compactMap { name, c in c.hostIdentity.map { (room: name, host: $0, entries: c.hostProfile) } }
            .filter { !$0.entries.isEmpty }.sorted { $0.room < $1.room }
        guard !wanted.isEmpty else { return }
        loop.submit(work: { () -> [String] in
            wanted.map { w in
                let resolution: ProfileResolution
                do {
                    resolution = try HostProfiles.store(w.entries, host: w.host, room: w.room, in: context)
                } catch {
                    return "room \(w.room): host profile not stored: \(error)"
                }
                let missing = resolution.unresolved.map { "\($0.item): \($0.reason)" }
                return "room \(w.room): host \(w.host) has \(resolution.trackIDs.count) tracks" + (missing.isEmpty ? "" : "; unresolved: \(missing)")
            }
        }, then: { [logger] lines in
            for line in lines { logger.info("host profile stored", metadata: ["detail": "\(line)"]) }
        })
    }
}

struct MusicLibraryError: Error, Sendable {
    let message: String
}
