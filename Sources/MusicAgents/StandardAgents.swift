import AgentKit
import Foundation
import Logging
import MusicCatalog
import MusicIndex

/// The agents WaveDefect ships, by name, over one catalog and index: what the server runs
/// in-process and what `wavedefect agent run|worker` run in their own processes.
public enum StandardAgents {
    public static let names = ["taste", "recommender"]

    public static func factory(catalog: Catalog, index: LiveIndex) -> AgentFactory {
        factory(context: MusicContext(catalog: catalog, index: index))
    }

    public static func factory(context: MusicContext) -> AgentFactory {
        var factory = AgentFactory()
        factory.register("taste", topics: ["profile", "recs.control", ProfileChange.topic]) { _ in TasteAgent(context: context) }
        factory.register("recommender", topics: ["recs.control"]) { _ in RecommenderAgent(context: context) }
        return factory
    }

    /// Opens the catalog at `databasePath` (as `serve --db` does; `readOnly` as a cluster node
    /// sharing it does) and builds the factory; `profiles` makes the profile storage (nil: the
    /// catalog's own tables).
    public static func factory(
        databasePath: String, readOnly: Bool = false, profiles: (@Sendable (Catalog) -> any ProfileStorage)? = nil, logger: Logger
    ) throws -> AgentFactory {
        if !readOnly {
            let directory = URL(fileURLWithPath: databasePath).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let catalog = try Catalog(path: databasePath, readOnly: readOnly)
        let index = try LiveIndex(catalog: catalog)
        let storage = profiles?(catalog) ?? catalog
        logger.info("catalog opened", metadata: [
            "db": "\(databasePath)", "tracks": "\(index.count)", "read_only": "\(readOnly)", "profiles": "\(storage is Catalog ? "sqlite" : "redis")",
        ])
        return factory(context: MusicContext(catalog: catalog, index: index, profileStorage: storage))
    }
}
