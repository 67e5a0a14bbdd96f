import AudioDecoding
import Dispatch
import FingerprintCore
import Foundation
import MusicCatalog
import MusicRecognition
import Synchronization
import MusicIndex

/// What happened to one file during ingest.
public enum IngestOutcome: Sendable {
    case added(Track)
    /// Already in the catalog (same content hash) as this track.
    case skipped(existing: Int64)
    case failed(String)
}

/// Progress reported after each file, from whichever worker finished it.
public struct IngestProgress: Sendable {
    public var done: Int
    public var total: Int
    public var path: String
    public var outcome: IngestOutcome
}

public struct IngestReport: Sendable {
    public var added: [Track] = []
    public var skipped = 0
    public var failures: [(path: String, message: String)] = []
    /// The catalog id of each input file that was added or already present, in input order.
    public var outcomeIDs: [Int64] = []
}

/// Adds audio files to the catalog: hash, skip if known, decode, embed and fingerprint, store
/// track + vector + fingerprint atomically, update the live index. Files are spread over `threads` workers, each taking the
/// next file when it finishes one, so a long file does not hold up the others.
public struct Ingestor: Sendable {
    public var embedder: TrackEmbedder
    /// Fingerprints the same decoded samples the embedder reads (both at 22,050 Hz).
    public var fingerprinter: Fingerprinter
    public var threads: Int

    public init(
        embedder: TrackEmbedder = TrackEmbedder(), fingerprinter: Fingerprinter = Fingerprinter(),
        threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        precondition(fingerprinter.settings.sampleRate == embedder.decoder.sampleRate)
        self.embedder = embedder
        self.fingerprinter = fingerprinter
        self.threads = max(1, threads)
    }

    public func ingest(
        files: [String], into catalog: Catalog, index: LiveIndex? = nil, metadata: [String: Track] = [:],
        progress: @Sendable (IngestProgress) -> Void = { _ in }
    ) -> IngestReport {
        let next = Atomic<Int>(0)
        // Workers decode and embed in parallel; tracks are committed strictly in input order (a
        // finished file waits for the ones before it), so ids are the same on every run.
        let commit = Mutex(CommitQueue(count: files.count))
        DispatchQueue.concurrentPerform(iterations: min(threads, max(files.count, 1))) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < files.count else { return }
                let prepared = prepare(files[i], catalog: catalog, metadata: metadata[files[i]])
                commit.withLock { queue in
                    queue.pending[i] = prepared
                    while queue.cursor < files.count, let ready = queue.pending[queue.cursor] {
                        let path = files[queue.cursor]
                        let outcome = store(ready, catalog: catalog, index: index)
                        queue.outcomes[queue.cursor] = outcome
                        queue.pending[queue.cursor] = nil
                        queue.cursor += 1
                        progress(IngestProgress(done: queue.cursor, total: files.count, path: path, outcome: outcome))
                    }
                }
            }
        }
        var report = IngestReport()
        for (path, outcome) in zip(files, commit.withLock { $0.outcomes }) {
            switch outcome {
            case .added(let track)?:
                report.added.append(track)
                report.outcomeIDs.append(track.id)
            case .skipped(let existing)?:
                report.skipped += 1
                report.outcomeIDs.append(existing)
            case .failed(let message)?: report.failures.append((path, message))
            case nil: report.failures.append((path, "not processed"))
            }
        }
        return report
    }

    /// Ingests one file (also usable directly by the server for a single upload).
    public func ingestOne(_ path: String, catalog: Catalog, index: LiveIndex?, metadata: Track? = nil) -> IngestOutcome {
        store(prepare(path, catalog: catalog, metadata: metadata), catalog: catalog, index: index)
    }

    /// A file after the expensive part: hashed, decoded and embedded (or known / failed).
    enum Prepared: Sendable {
        case embedded(Track, vector: [Float], fingerprint: StoredFingerprint)
        case done(IngestOutcome)
    }

    struct CommitQueue: Sendable {
        var pending: [Prepared?]
        var outcomes: [IngestOutcome?]
        var cursor = 0
        init(count: Int) {
            pending = Array(repeating: nil, count: count)
            outcomes = Array(repeating: nil, count: count)
        }
    }

    func prepare(_ path: String, catalog: Catalog, metadata: Track?) -> Prepared {
        do {
            let hash = try ContentHash.of(file: path, maxBytes: embedder.decoder.limits.maxInputBytes)
            if let existing = try catalog.track(contentHash: hash) { return .done(.skipped(existing: existing.id)) }
            let audio = try embedder.decoder.decode(file: path)
            let embedding = try embedder.embed(audio)
            let fingerprint = FingerprintLibrary.storedFingerprint(samples: audio.samples, fingerprinter: fingerprinter)
            var track = metadata ?? Track(source: path)
            track.source = path
            track.contentHash = hash
            track.duration = embedding.duration
            track.title = track.title ?? audio.tags["title"] ?? Self.titleFromFileName(path)
            track.artist = track.artist ?? audio.tags["artist"]
            track.album = track.album ?? audio.tags["album"]
            return .embedded(track, vector: embedding.vector, fingerprint: fingerprint)
        } catch {
            return .done(.failed("\(path): \(error)"))
        }
    }

    func store(_ prepared: Prepared, catalog: Catalog, index: LiveIndex?) -> IngestOutcome {
        guard case .embedded(let track, let vector, let fingerprint) = prepared else {
            if case .done(let outcome) = prepared { return outcome }
            return .failed("unreachable")
        }
        do {
            let added = try catalog.addTrack(track, vector: vector, model: TrackEmbedder.modelName, fingerprint: fingerprint)
            index?.upsert(id: added.id, vector: vector)
            return .added(added)
        } catch let error as SQLiteError where error.isConstraintViolation {
            // The same content appeared earlier in this batch (two copies of one file).
            if let hash = track.contentHash, let existing = try? catalog.track(contentHash: hash) {
                return .skipped(existing: existing.id)
            }
            return .failed("\(track.source): \(error)")
        } catch {
            return .failed("\(track.source): \(error)")
        }
    }

    static func titleFromFileName(_ path: String) -> String {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return name.isEmpty ? path : name
    }
}
