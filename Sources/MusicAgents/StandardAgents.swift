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

    /// Opens the catalog at `databasePath` (as `serve --db` does) and builds the factory.
    public static func factory(databasePath: String, logger: Logger) throws -> AgentFactory {
        let directory = URL(fileURLWithPath: databasePath).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let catalog = try Catalog(path: databasePath)
        let index = try LiveIndex(catalog: catalog)
        logger.info("catalog opened", metadata: ["db": "\(databasePath)", "tracks": "\(index.count)"])
        return factory(catalog: catalog, index: index)
    }
}
