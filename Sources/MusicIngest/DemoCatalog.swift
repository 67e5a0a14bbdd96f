import DemoAudio
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MusicCatalog
import Synchronization
import MusicIndex

/// The demo catalog that `serve` starts with when there is no music of the user's: synthesized
/// tracks in six styles, written as WAV files and ingested like any other audio.
public enum DemoCatalog {
    public struct Report: Sendable {
        /// Catalog ids of every demo track, in `DemoTrack.catalog()` order.
        public var trackIDs: [Int64]
        public var filesWritten: Int
        public var tracksAdded: Int
    }

    /// Makes sure every demo track exists as a file in `directory` and as a track in `catalog`
    /// (and in `index`, when given). Idempotent and cheap when all is in place: files that
    /// exist are not rewritten, tracks already present (by content hash) are not re-ingested.
    @discardableResult
    public static func ensure(
        in catalog: Catalog, directory: String, index: LiveIndex? = nil,
        tracks: [DemoTrack] = DemoTrack.catalog(), ingestor: Ingestor = Ingestor()
    ) throws -> Report {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let paths = tracks.map { URL(fileURLWithPath: directory).appendingPathComponent($0.fileName).standardizedFileURL.path }
        let missing = Array(zip(tracks, paths).filter { !FileManager.default.fileExists(atPath: $0.1) })
        // Rendering is CPU work; spread it like ingest.
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: missing.count) { i in
            let (track, path) = missing[i]
            do {
                // Write then rename, so a crash never leaves a half file that looks finished.
                let temporary = path + ".partial"
                try Data(track.wavBytes()).write(to: URL(fileURLWithPath: temporary))
                guard rename(temporary, path) == 0 else { throw DemoCatalogError(message: String(cString: strerror(errno))) }
            } catch {
                failures.withLock { $0.append("\(path): \(error)") }
            }
        }
        if let failure = failures.withLock({ $0.first }) { throw DemoCatalogError(message: "cannot write demo track \(failure)") }

        // Titles, artists and albums come from the files' own tags, as for `wavedefect ingest`.
        let report = ingestor.ingest(files: paths, into: catalog, index: index)
        if let failure = report.failures.first {
            throw DemoCatalogError(message: "cannot ingest demo track \(failure.path): \(failure.message)")
        }
        // A database made before fingerprints has the demo tracks without them: fingerprint
        // those, so the recognizer has something to recognize.
        let demoPaths = Set(paths)
        let backfill = try FingerprintBackfill(fingerprinter: ingestor.fingerprinter, threads: ingestor.threads)
            .run(catalog: catalog, include: { demoPaths.contains($0.source) })
        if let failure = backfill.failures.first {
            throw DemoCatalogError(message: "cannot fingerprint demo track \(failure.message)")
        }
        return Report(trackIDs: report.outcomeIDs, filesWritten: missing.count, tracksAdded: report.added.count)
    }
}

public struct DemoCatalogError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
