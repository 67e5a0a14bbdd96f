import AudioDecoding
import Dispatch
import FingerprintCore
import Foundation
import MusicCatalog
import MusicRecognition
import Synchronization

/// Fingerprints catalog tracks that have no fingerprint under the current scheme: tracks
/// ingested before fingerprints existed, or under other parameters. Used by
/// `wavedefect fingerprint` and by the server's demo catalog on a database made before.
public struct FingerprintBackfill: Sendable {
    public struct Report: Sendable {
        public var fingerprinted = 0
        /// Tracks whose source is not a local file (imported ids, URLs).
        public var skipped = 0
        public var failures: [(trackID: Int64, message: String)] = []
    }

    public var fingerprinter: Fingerprinter
    public var decoder: AudioDecoder
    public var threads: Int

    public init(fingerprinter: Fingerprinter = Fingerprinter(), limits: DecodeLimits = .default, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.fingerprinter = fingerprinter
        decoder = AudioDecoder(limits: limits, sampleRate: fingerprinter.settings.sampleRate)
        self.threads = max(1, threads)
    }

    /// Fingerprints every pending track (or only those `include` accepts), `threads` at a time.
    public func run(catalog: Catalog, include: @Sendable (Track) -> Bool = { _ in true }) throws -> Report {
        let pending = try catalog.tracksWithoutFingerprint(scheme: fingerprinter.settings.scheme).filter(include)
        let next = Atomic<Int>(0)
        let report = Mutex(Report())
        DispatchQueue.concurrentPerform(iterations: min(threads, max(1, pending.count))) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < pending.count else { return }
                let track = pending[i]
                guard FileManager.default.fileExists(atPath: track.source) else {
                    report.withLock { $0.skipped += 1 }
                    continue
                }
                do {
                    let audio = try decoder.decode(file: track.source)
                    var print = FingerprintLibrary.storedFingerprint(samples: audio.samples, fingerprinter: fingerprinter)
                    print.trackID = track.id
                    try catalog.setFingerprint(print)
                    report.withLock { $0.fingerprinted += 1 }
                } catch {
                    report.withLock { $0.failures.append((track.id, "\(track.source): \(error)")) }
                }
            }
        }
        return report.withLock { $0 }
    }
}
