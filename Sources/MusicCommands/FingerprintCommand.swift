import ArgumentParser
import AudioDecoding
import Dispatch
import FingerprintCore
import Foundation
import MusicCatalog
import MusicRecognition
import Synchronization

/// `wavedefect fingerprint [--db DB]`: fingerprints the catalog tracks that have none (under
/// the current scheme) — tracks ingested before fingerprints existed, or under older
/// parameters.
public struct FingerprintCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        abstract: "Fingerprint catalog tracks that have no fingerprint yet (backfill).",
        discussion: """
            Decodes each track's source file again. Tracks whose source is not a local file \
            (imported ids, URLs) are counted as skipped; files that cannot be decoded are \
            reported on stderr and the exit status is then 1. `ingest` fingerprints what it \
            adds, so this is only needed for catalogs made before.
            """)

    @OptionGroup public var catalog: CatalogOptions
    @OptionGroup public var limits: DecodeLimitOptions

    @Option(help: ArgumentHelp("Files decoded in parallel (default: all cores).", valueName: "n"))
    public var threads: Int?

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    public func run() throws {
        let catalog = try self.catalog.openForWriting()
        let fingerprinter = Fingerprinter()
        let decoder = AudioDecoder(limits: limits.decodeLimits, sampleRate: fingerprinter.settings.sampleRate)
        let pending = try catalog.tracksWithoutFingerprint(scheme: fingerprinter.settings.scheme)
        let next = Atomic<Int>(0)
        let counts = Mutex((done: 0, skipped: 0, failed: 0))
        let workers = min(threads ?? ProcessInfo.processInfo.activeProcessorCount, max(1, pending.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < pending.count else { return }
                let track = pending[i]
                guard FileManager.default.fileExists(atPath: track.source) else {
                    counts.withLock { $0.skipped += 1 }
                    continue
                }
                do {
                    let audio = try decoder.decode(file: track.source)
                    var print = FingerprintLibrary.storedFingerprint(samples: audio.samples, fingerprinter: fingerprinter)
                    print.trackID = track.id
                    try catalog.setFingerprint(print)
                    counts.withLock { $0.done += 1 }
                } catch {
                    writeToStderr("fingerprint: track \(track.id) \(track.source): \(error)")
                    counts.withLock { $0.failed += 1 }
                }
            }
        }
        let c = counts.withLock { $0 }
        let summary = try catalog.fingerprintSummary(scheme: fingerprinter.settings.scheme)
        print("fingerprinted \(c.done), skipped \(c.skipped) (no local file), failed \(c.failed)"
            + " (catalog: \(summary.tracks) of \(try catalog.trackCount()) tracks fingerprinted, \(summary.landmarks) landmarks, \(summary.bytes) bytes)")
        if c.failed > 0 { throw ExitCode(1) }
    }
}
