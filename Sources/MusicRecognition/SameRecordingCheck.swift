import FingerprintCore
import MusicCatalog
import Synchronization

/// Answers "are these two catalog tracks one recording?" from their stored fingerprints
/// (`RecordingAgreement`): what search's near-duplicate collapse asks of the pairs its cosine
/// pre-filter lets through (docs/recognition.md#same-recording).
///
/// Loads a track's fingerprint from SQLite on first use and keeps the last `cacheLimit`;
/// answers are cached too (a pair is asked again on every search that meets it). A track
/// without a fingerprint under the current scheme is nobody's duplicate: with no evidence,
/// nothing is hidden.
public final class SameRecordingCheck: Sendable {
    public let catalog: Catalog
    public let scheme: String
    public let rule: RecordingAgreement.Rule
    public let cacheLimit: Int
    private let cache: Mutex<Cache>

    struct Cache {
        var prints: [Int64: (frameCount: Int, landmarks: [Landmark])?] = [:]
        var answers: [Pair: Bool] = [:]
    }

    struct Pair: Hashable {
        var low: Int64, high: Int64
        init(_ a: Int64, _ b: Int64) { (low, high) = a < b ? (a, b) : (b, a) }
    }

    public init(catalog: Catalog, scheme: String = FingerprintSettings.standard.scheme, rule: RecordingAgreement.Rule = .standard, cacheLimit: Int = 256) {
        self.catalog = catalog
        self.scheme = scheme
        self.rule = rule
        self.cacheLimit = cacheLimit
        cache = Mutex(Cache())
    }

    /// Whether tracks `a` and `b` are one recording. A catalog read that fails answers false
    /// (search then shows both, which is the safe side).
    public func isSameRecording(_ a: Int64, _ b: Int64) -> Bool {
        guard a != b else { return true }
        let pair = Pair(a, b)
        if let known = cache.withLock({ $0.answers[pair] }) { return known }
        guard let x = fingerprint(a), let y = fingerprint(b) else { return false }
        let agreement = RecordingAgreement.compare(x.landmarks, frameCount: x.frameCount, y.landmarks, frameCount: y.frameCount, rule: rule)
        let same = rule.accepts(agreement)
        cache.withLock { c in
            if c.answers.count >= cacheLimit * 16 { c.answers.removeAll(keepingCapacity: true) }
            c.answers[pair] = same
        }
        return same
    }

    /// The agreement of two tracks' fingerprints, or nil when either has none.
    public func agreement(_ a: Int64, _ b: Int64) -> RecordingAgreement? {
        guard let x = fingerprint(a), let y = fingerprint(b) else { return nil }
        return RecordingAgreement.compare(x.landmarks, frameCount: x.frameCount, y.landmarks, frameCount: y.frameCount, rule: rule)
    }

    func fingerprint(_ id: Int64) -> (frameCount: Int, landmarks: [Landmark])? {
        if let known = cache.withLock({ $0.prints[id] }) { return known }
        var loaded: (frameCount: Int, landmarks: [Landmark])?
        if let stored = try? catalog.fingerprint(trackID: id), stored.scheme == scheme {
            loaded = (stored.frameCount, stored.landmarks.map(Landmark.init(packed:)))
        }
        cache.withLock { c in
            if c.prints.count >= cacheLimit { c.prints.removeAll(keepingCapacity: true) }
            c.prints[id] = loaded
        }
        return loaded
    }
}
