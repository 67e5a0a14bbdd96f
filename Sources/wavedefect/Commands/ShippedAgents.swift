import AgentKit
import LiveRecognition
import Logging
import MusicAgents

/// Every agent the `wavedefect` executable ships, by name: the music agents (`taste`,
/// `recommender`) and the `recognizer`. The recognizer lives here rather than in
/// `StandardAgents` because it links the stream decoder (FFmpeg) and the fingerprinter
/// (FFTW), which the server library does not; the executable links both anyway.
enum ShippedAgents {
    /// For `agent run|worker`: the music agents over the catalog at `databasePath`, and the
    /// recognizer over the same catalog's fingerprints (loaded at its first query).
    static func factory(databasePath: String, logger: Logger) throws -> AgentFactory {
        var factory = try StandardAgents.factory(databasePath: databasePath, logger: logger)
        RecognizerAgents.register(into: &factory, index: SharedRecognitionIndex(databasePath: databasePath))
        return factory
    }

    /// For `serve`: the agents the server cannot make itself (it adds the music agents over
    /// its own catalog when it opens it). The recognizer's YouTube links come through `links`,
    /// which `serve` fills with the server's own source once the server started.
    static func serverExtras(databasePath: String, links: TrackLinkSlot) -> AgentFactory {
        var factory = AgentFactory()
        RecognizerAgents.register(into: &factory, index: SharedRecognitionIndex(databasePath: databasePath), links: links)
        return factory
    }
}
