import ArgumentParser
import EventLoop
import Foundation
import HTTPClient
import ITunesClient
import ITunesCore
import MusicCatalog
import MusicIngest

/// `wavedefect crawl --term "…" --limit N --db DB [--itunes-base URL]`: builds a catalog from
/// iTunes previews (docs/itunes.md#the-crawl-command).
public struct CrawlCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "crawl",
        abstract: "Build a catalog from iTunes previews: search a term, download, embed and store each song's 30 s preview.",
        discussion: """
            Every call to Apple (the search and each preview download) is paced by the same \
            queue the server uses, --calls-per-minute apart (Apple documents about 20 a \
            minute). Songs already in the catalog (same iTunes id or same preview bytes) are \
            not downloaded again. A preview that is not audio is reported and skipped; the \
            exit status is then 1.
            """)

    @Option(help: "What to search the iTunes store for (artist, title, genre words…).")
    public var term: String

    @Option(help: "Songs to ask for (1...200, the API's limit).")
    public var limit = 50

    @OptionGroup public var catalog: CatalogOptions

    @Option(help: "iTunes Search API base URL.")
    public var itunesBase = "https://itunes.apple.com"

    @Option(help: "iTunes storefront (two-letter country code); Apple's default is US.")
    public var country: String?

    @Option(help: "Calls to Apple per minute (search and downloads together).")
    public var callsPerMinute: Double = 20

    @Option(help: "Seconds one search or download may take.")
    public var timeout: Double = 15

    @Option(help: "Largest preview accepted, in kilobytes.")
    public var maxPreviewKb = 4096

    @Option(help: "Retries of a call that failed transiently: timeout, connection, 5xx, 429 (0...10).")
    public var maxRetries = 2

    @Flag(help: "No progress, only the summary.")
    public var quiet = false

    public init() {}

    public func validate() throws {
        guard (1...200).contains(limit) else { throw ValidationError("--limit must be in 1...200") }
        guard !term.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--term must not be empty") }
        guard itunesBase.hasPrefix("http://") || itunesBase.hasPrefix("https://") else { throw ValidationError("--itunes-base must be an http(s) URL") }
        guard callsPerMinute.isFinite, callsPerMinute > 0, callsPerMinute <= 60_000 else { throw ValidationError("--calls-per-minute must be in (0, 60000]") }
        guard timeout.isFinite, timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard maxPreviewKb > 0 else { throw ValidationError("--max-preview-kb must be positive") }
        guard (0...10).contains(maxRetries) else { throw ValidationError("--max-retries must be in 0...10") }
    }

    var settings: ITunesSettings {
        var s = ITunesSettings()
        s.base = itunesBase
        s.country = country
        s.requestTimeout = timeout
        s.maxPreviewBytes = maxPreviewKb << 10
        s.queue.callsPerMinute = callsPerMinute
        s.queue.maxQueued = max(limit, s.queue.maxQueued)
        s.retry.maxRetries = maxRetries
        return s
    }

    public func run() throws {
        let catalog = try self.catalog.openForWriting()
        let loop: EventLoop
        let http: CurlMulti
        do {
            loop = try EventLoop()
            http = try CurlMulti(loop: loop)
        } catch {
            throw CommandError("crawl: \(error)")
        }
        defer { loop.close() }
        let fetcher = ITunesPreviewFetcher(loop: loop, http: http, catalog: catalog, index: nil, settings: settings, embed: PreviewAnalysis.embedder())
        let progress = CrawlProgress(bar: ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1), quiet: quiet)
        let started = Date()
        var searchError: String?
        fetcher.search(term: term, limit: limit) { result in
            switch result {
            case .failure(let error):
                searchError = error.description
                loop.stop()
            case .success(let songs):
                let playable = songs.filter { $0.previewURL != nil }
                progress.start(found: songs.count, playable: playable.count)
                guard !playable.isEmpty else { return loop.stop() }
                for song in playable {
                    fetcher.ingest(song) { outcome in
                        progress.record(song, outcome)
                        if progress.done == playable.count { loop.stop() }
                    }
                }
            }
        }
        loop.run()
        fetcher.close()
        http.close()
        if let searchError { throw CommandError("crawl: \(searchError)") }
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        let stats = fetcher.stats
        let embedded = max(1, stats.stored + progress.notAudio)
        print(
            "stored \(stats.stored), already in catalog \(stats.known), failed \(stats.failures), without preview \(progress.withoutPreview)"
                + " (catalog now \(try catalog.trackCount()) tracks)")
        print(String(
            format: "%.2f s in all, %.3f s per preview fetched, decode+embed+fingerprint %.1f ms CPU per preview, %d KB of previews, %d calls to Apple at %.0f a minute",
            seconds, seconds / Double(max(1, stats.downloads)), stats.embedSeconds * 1000 / Double(embedded),
            stats.previewBytes >> 10, stats.searches + stats.downloads, callsPerMinute))
        if stats.failures > 0 { throw ExitCode(1) }
    }
}

/// The crawl's progress: a bar on a terminal, one plain line per song otherwise.
final class CrawlProgress {
    let bar: ProgressBar
    let quiet: Bool
    private(set) var done = 0
    private(set) var total = 0
    private(set) var withoutPreview = 0
    private(set) var notAudio = 0

    init(bar: ProgressBar, quiet: Bool) {
        self.bar = bar
        self.quiet = quiet
    }

    func start(found: Int, playable: Int) {
        total = playable
        withoutPreview = found - playable
        if !quiet && !bar.enabled { writeToStderr("crawl: \(found) songs found, \(playable) with a preview") }
    }

    func record(_ song: ITunesTrack, _ outcome: PreviewOutcome) {
        done += 1
        let name = "\(song.artist) – \(song.name)"
        let what: String
        switch outcome {
        case .stored(let id, _, _): what = "stored as track \(id)"
        case .known(let id): what = "already in catalog as track \(id)"
        case .failed(let message):
            if message.contains("is not audio") { notAudio += 1 }
            what = "failed: \(message)"
            bar.interrupt("crawl: \(name): \(what)")
        case .noMatch: what = "no match"
        case .refused(let why): what = "not queued (\(why))"
        }
        if bar.enabled {
            bar.update(done: done, total: total, label: name)
        } else if !quiet {
            writeToStderr("crawl: \(done)/\(total) \(name): \(what)")
        }
    }

    func finish() { bar.finish() }
}
