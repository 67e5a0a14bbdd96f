import ArgumentParser
import Foundation
import MusicCatalog
import MusicIngest

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
        let backfill = FingerprintBackfill(limits: limits.decodeLimits, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let report = try backfill.run(catalog: catalog)
        for failure in report.failures { writeToStderr("fingerprint: track \(failure.trackID) \(failure.message)") }
        let summary = try catalog.fingerprintSummary(scheme: backfill.fingerprinter.settings.scheme)
        print("fingerprinted \(report.fingerprinted), skipped \(report.skipped) (no local file), failed \(report.failures.count)"
            + " (catalog: \(summary.tracks) of \(try catalog.trackCount()) tracks fingerprinted, \(summary.landmarks) landmarks, \(summary.bytes) bytes)")
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}
