import ArgumentParser
import Foundation
import MusicCatalog
import MusicIndex
import MusicIngest
import Synchronization

/// `wavedefect ingest PATH... [--db DB]`.
public struct IngestCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Add audio files (directories recursively) to the catalog.",
        discussion: """
            Files already in the catalog (same SHA-256 of their bytes) are skipped. Files that \
            cannot be decoded are reported on stderr and skipped; the exit status is then 1.
            """)

    @Argument(help: "Audio files or directories.")
    public var paths: [String]

    @OptionGroup public var catalog: CatalogOptions
    @OptionGroup public var limits: DecodeLimitOptions

    /// Optional rather than defaulted to the core count: a default value would be printed by
    /// `--help` as this machine's number, next to the help's own "(default: all cores)".
    @Option(help: ArgumentHelp("Files decoded in parallel (default: all cores).", valueName: "n"))
    public var threads: Int?

    @Flag(help: "No progress bar, only the summary.")
    public var quiet = false

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    public func run() throws {
        let catalog = try self.catalog.openForWriting()
        let (files, missing) = AudioFileWalker.expand(paths)
        for path in missing { writeToStderr("ingest: \(path): no such file or directory") }
        let ingestor = Ingestor(embedder: TrackEmbedder(limits: limits.decodeLimits), threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let report = ingestor.ingest(files: files, into: catalog) { progress in
            if case .failed(let message) = progress.outcome { bar.interrupt("ingest: \(message)") }
            bar.update(done: progress.done, total: progress.total, label: progress.path)
        }
        bar.finish()
        if !bar.enabled {
            for failure in report.failures { writeToStderr("ingest: \(failure.message)") }
        }
        print("added \(report.added.count), already in catalog \(report.skipped), failed \(report.failures.count + missing.count)"
            + " (catalog now \(try catalog.trackCount()) tracks)")
        if !report.failures.isEmpty || !missing.isEmpty { throw ExitCode(1) }
    }
}

/// A one-line progress bar on stderr, redrawn in place; nothing at all when stderr is not a
/// terminal (logs and CI stay clean).
final class ProgressBar: Sendable {
    let enabled: Bool
    private let lock = Mutex(())

    init(enabled: Bool) { self.enabled = enabled }

    func update(done: Int, total: Int, label: String) {
        guard enabled else { return }
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let name = String(label.split(separator: "/").last ?? "").prefix(40)
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            + "] \(done)/\(total) \(name)\u{1B}[K"
        lock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Prints a message on its own line above the bar.
    func interrupt(_ message: String) {
        guard enabled else { return }
        lock.withLock { _ in FileHandle.standardError.write(Data(("\r\u{1B}[K" + message + "\n").utf8)) }
    }

    func finish() {
        guard enabled else { return }
        lock.withLock { _ in FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
