import AgentKit
import Foundation
import FingerprintCore
import MusicAgents
import MusicCatalog
import MusicRecognition
import Synchronization

/// The catalog's fingerprint index as every recognizer of a process shares it: loaded from
/// SQLite the first time a recognizer queries (so `serve` starts listening at once), and
/// rebuilt when the catalog's fingerprints changed (the demo catalog filling in, an ingest),
/// checked at most every `refreshInterval` seconds.
public final class SharedRecognitionIndex: Sendable {
    private let open: @Sendable () throws -> FingerprintLibrary
    private let state = Mutex<(library: FingerprintLibrary?, checkedAt: Double)>((nil, 0))
    public let refreshInterval: Double
    public let sampleRate: Int

    public init(refreshInterval: Double = 5, open: @escaping @Sendable () throws -> FingerprintLibrary) {
        self.open = open
        self.refreshInterval = refreshInterval
        sampleRate = FingerprintSettings.standard.sampleRate
    }

    /// Over the catalog at `databasePath` (as the server and `agent run|worker` open it;
    /// `readOnly` as a cluster node sharing another node's catalog does).
    public convenience init(databasePath: String, readOnly: Bool = false) {
        self.init { try FingerprintLibrary(catalog: Catalog(path: databasePath, readOnly: readOnly)) }
    }

    public convenience init(catalog: Catalog) {
        self.init { try FingerprintLibrary(catalog: catalog) }
    }

    /// The library, loaded or refreshed as needed. Called from agents' threads.
    public func library() throws -> FingerprintLibrary {
        let now = Date().timeIntervalSince1970
        let (existing, due) = state.withLock { s -> (FingerprintLibrary?, Bool) in
            let due = now - s.checkedAt >= refreshInterval
            if due { s.checkedAt = now }
            return (s.library, due)
        }
        if let existing {
            if due { try existing.refresh() }
            return existing
        }
        let loaded = try open()
        return state.withLock { s in
            if let raced = s.library { return raced }
            s.library = loaded
            return loaded
        }
    }
}

/// Registers the `recognizer` agent: it hears `audio` and `audio.control`; its settings come
/// from the dispatch metadata (`RecognizerSettings.parse`); `links` puts YouTube links into its
/// matches (nil: `youtube_url` null, nothing looked up).
public enum RecognizerAgents {
    public static let name = "recognizer"
    public static let topics = ["audio", "audio.control"]

    public static func register(into factory: inout AgentFactory, index: SharedRecognitionIndex, links: (any TrackLinkSource)? = nil) {
        factory.register(name, topics: topics) { setup in
            RecognizerAgent(index: index, settings: try RecognizerSettings.parse(metadata: setup.metadata), links: links)
        }
    }
}
