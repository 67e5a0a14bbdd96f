import ArgumentParser
import MusicCommands
import WaveDefectBench

/// The single `wavedefect` executable; every tool of the product is a subcommand.
@main
struct WaveDefectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wavedefect",
        abstract: "A real-time listening-room server with music intelligence.",
        version: WaveDefectVersion.string,
        subcommands: [
            ServeCommand.self,
            BenchCommand.self,
            TokenCommand.self,
            AgentCommand.self,
            VersionCommand.self,
            EmbedCommand.self,
            IngestCommand.self,
            SimilarCommand.self,
            ImportVectorsCommand.self,
            DemoCatalogCommand.self,
            CrawlCommand.self,
            FingerprintCommand.self,
            RecognizeCommand.self,
        ]
    )
}
