import AgentKit
import LiveRecognition
import Logging
import MusicAgents
import MusicCatalog

/// Every agent the `wavedefect` executable ships, by name: the music agents (`taste`,
/// `recommender`) and the `recognizer`. The recognizer lives here rather than in
/// `StandardAgents` because it links the stream decoder (FFmpeg) and the fingerprinter
/// (FFTW), which the server library does not; the executable links both anyway.
enum ShippedAgents {
    /// For `agent run|worker`: the music agents over the catalog at `databasePath`, and the
    /// recognizer over the same catalog's fingerprints (loaded at its first query).
    /// `readOnly` and `profiles`: a cluster's agent process (`--redis`) reads the shared
    /// catalog without writing it and keeps profiles in Redis.
    static func factory(
        databasePath: String, readOnly: Bool = false, profiles: (@Sendable (Catalog) -> any ProfileStorage)? = nil, logger: Logger
    ) throws -> AgentFactory {
        var factory = try StandardAgents.factory(databasePath: databasePath, readOnly: readOnly, profiles: profiles, logger: logger)
        RecognizerAgents.register(into: &factory, index: SharedRecognitionIndex(databasePath: databasePath, readOnly: readOnly))
        return factory
    }

    /// For `serve`: the agents the server cannot make itself (it adds the music agents over
    /// its own catalog when it opens it). The recognizer's YouTube links come through `links`,
    /// which `serve` fills with the server's own source once the server started.
    /// `readOnly`: the node opens the shared catalog read-only (docs/cluster.md).
    static func serverExtras(databasePath: String, readOnly: Bool, links: TrackLinkSlot) -> AgentFactory {
        var factory = AgentFactory()
        RecognizerAgents.register(into: &factory, index: SharedRecognitionIndex(databasePath: databasePath, readOnly: readOnly), links: links)
        return factory
    }
}
