import FingerprintCore
import MusicCatalog
import Synchronization

/// The catalog's fingerprints as an in-memory inverted index, and recognition against it.
///
/// The index is built from the SQLite catalog on `init` and rebuilt by `refresh()` when the
/// catalog's fingerprints changed (an ingest, a backfill, the demo catalog filling in while
/// the server runs). Queries run on a snapshot taken under the lock (the index is a value), so
/// a rebuild never blocks a query in progress, and any number of threads query at once.
public final class FingerprintLibrary: Sendable {
    public let catalog: Catalog
    public let fingerprinter: Fingerprinter
    public let matchSettings: MatchSettings
    /// Query shifts (`Fingerprinter.queryFingerprint`).
    public let queryShifts: Int
    private let state: Mutex<(summary: Catalog.FingerprintSummary?, index: FingerprintIndex)>

    public init(
        catalog: Catalog, settings: FingerprintSettings = .standard, matchSettings: MatchSettings = .standard, queryShifts: Int = 2
    ) throws {
        self.catalog = catalog
        fingerprinter = Fingerprinter(settings: settings)
        self.matchSettings = matchSettings
        self.queryShifts = queryShifts
        state = Mutex((nil, FingerprintIndex()))
        try refresh()
    }

    /// The index as of the last refresh.
    public var index: FingerprintIndex { state.withLock { $0.index } }

    /// Rebuilds the index when the catalog's fingerprints differ from what it holds; true
    /// when it did.
    @discardableResult
    public func refresh() throws -> Bool {
        let scheme = fingerprinter.settings.scheme
        let summary = try catalog.fingerprintSummary(scheme: scheme)
        if state.withLock({ $0.summary == summary }) { return false }
        let stored = try catalog.fingerprints(scheme: scheme)
        let index = FingerprintIndex(tracks: stored.map { ($0.trackID, $0.frameCount, $0.landmarks.map(Landmark.init(packed:))) })
        state.withLock { $0 = (summary, index) }
        return true
    }

    /// The fingerprint ingest stores for a track's decoded samples.
    public func storedFingerprint(samples: [Float]) -> StoredFingerprint {
        Self.storedFingerprint(samples: samples, fingerprinter: fingerprinter)
    }

    public static func storedFingerprint(samples: [Float], fingerprinter: Fingerprinter) -> StoredFingerprint {
        let print = fingerprinter.fingerprint(samples)
        return StoredFingerprint(scheme: fingerprinter.settings.scheme, frameCount: print.frameCount, landmarks: print.landmarks.map(\.packed))
    }

    /// Recognizes `samples` (mono at `fingerprinter.settings.sampleRate`).
    public func recognize(samples: [Float]) throws -> Recognition {
        let query = fingerprinter.queryFingerprint(samples, shifts: queryShifts)
        let result = index.query(query.landmarks, queryFrames: query.frameCount, settings: matchSettings)
        return Recognition(result: result, match: try result.match.flatMap { try resolve($0) }, frameSeconds: fingerprinter.settings.frameSeconds)
    }

    /// The catalog track of a candidate (a track removed since the last refresh is no match).
    func resolve(_ candidate: FingerprintCandidate) throws -> RecognizedTrack? {
        guard let track = try catalog.track(id: candidate.id) else { return nil }
        return RecognizedTrack(track: track, candidate: candidate, frameSeconds: fingerprinter.settings.frameSeconds)
    }
}

/// What recognition found in one query.
public struct Recognition: Sendable {
    public var result: FingerprintQueryResult
    /// The recognized track, or nil for no (significant) match.
    public var match: RecognizedTrack?
    public var frameSeconds: Double
}

/// A match with its catalog track.
public struct RecognizedTrack: Sendable, Equatable {
    public var track: Track
    public var candidate: FingerprintCandidate
    public var frameSeconds: Double

    /// Where in the catalog track the query starts, in seconds.
    public var offsetSeconds: Double { candidate.offsetFrames * frameSeconds }
    /// The match's significance (−log10 of the chance bound).
    public var score: Double { candidate.significance }
    /// Seconds into the query of the first and last aligned hash.
    public var queryStartSeconds: Double { Double(candidate.queryFirstFrame) * frameSeconds }
    public var queryEndSeconds: Double { Double(candidate.queryLastFrame) * frameSeconds }
}
