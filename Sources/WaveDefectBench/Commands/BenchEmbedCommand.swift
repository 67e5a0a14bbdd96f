import ArgumentParser
import DemoAudio
import Dispatch
import Foundation
import MusicCatalog
import MusicIndex
import MusicCommands
import MusicIngest
import Synchronization

/// `wavedefect bench embed`: decode + MFCC embedding throughput in seconds of audio per
/// CPU-second (the figure scripts/bench/librosa_embed.py prints for librosa on the same files),
/// then parallel ingest into a scratch catalog to show both cores at work.
public struct BenchEmbedCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Benchmark decoding + embedding, single-threaded and as a parallel ingest.")

    @Argument(help: "Audio files to embed (see --generate).")
    public var files: [String] = []

    @Option(help: "First write COUNT demo clips (44.1 kHz stereo 16-bit WAV) into this directory and benchmark them.")
    public var generate: String?

    @Option(help: "Clips to generate.")
    public var count: Int = 8

    @Option(help: "Seconds per generated clip.")
    public var seconds: Double = 30

    @Option(help: "Passes over the files for the single-threaded figure.")
    public var repeats: Int = 3

    @Option(help: "Workers for the ingest pass.")
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    public init() {}

    public func run() throws {
        var paths = files
        if let generate {
            paths += try Self.writeClips(to: generate, count: count, seconds: seconds)
        }
        guard !paths.isEmpty else { throw ValidationError("give audio files or --generate DIR") }
        let embedder = TrackEmbedder()
        _ = try embedder.embed(file: paths[0])  // plans, page cache, lazy symbol binding
        var audioSeconds = 0.0, cpuSeconds = 0.0, decodeCPU = 0.0
        for _ in 0..<repeats {
            for path in paths {
                let t0 = Self.threadCPU()
                let audio = try embedder.decoder.decode(file: path)
                let t1 = Self.threadCPU()
                _ = try embedder.embed(audio)
                let t2 = Self.threadCPU()
                audioSeconds += audio.duration
                cpuSeconds += t2 - t0
                decodeCPU += t1 - t0
            }
        }
        print(String(format: "embed, 1 thread: %d files × %d passes, %.1f s of audio in %.3f CPU-s (decode+resample %.3f, MFCC %.3f)",
                     paths.count, repeats, audioSeconds, cpuSeconds, decodeCPU, cpuSeconds - decodeCPU))
        print(String(format: "  %.0f s of audio per CPU-second (%.2f ms CPU per 30 s clip)",
                     audioSeconds / cpuSeconds, cpuSeconds / audioSeconds * 30 * 1000))

        // Ingest: the same files (several copies' worth of work) into a scratch catalog.
        let scratch = NSTemporaryDirectory() + "wavedefect-bench-\(getpid()).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratch + suffix) } }
        let catalog = try Catalog(path: scratch)
        let ingestor = Ingestor(embedder: embedder, threads: threads)
        let cpu0 = Self.processCPU(), wall0 = DispatchTime.now().uptimeNanoseconds
        let report = ingestor.ingest(files: paths, into: catalog)
        let wall = Double(DispatchTime.now().uptimeNanoseconds - wall0) / 1e9, cpu = Self.processCPU() - cpu0
        let ingested = report.added.reduce(0) { $0 + ($1.duration ?? 0) }
        print(String(format: "ingest, %d workers: %d files, %.1f s of audio in %.3f s wall, %.3f CPU-s (%.2f cores busy), %.0f× real time",
                     threads, report.added.count, ingested, wall, cpu, cpu / wall, ingested / wall))
        if !report.failures.isEmpty { throw CommandError("\(report.failures.count) files failed: \(report.failures[0].message)") }
    }

    static func writeClips(to directory: String, count: Int, seconds: Double) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let styles = DemoStyle.allCases
        return try (0..<count).map { i in
            let path = URL(fileURLWithPath: directory).appendingPathComponent("bench-\(i + 1).wav").path
            if !FileManager.default.fileExists(atPath: path) {
                let style = styles[i % styles.count]
                let left = DemoTrack(style: style, variant: i, duration: seconds, sampleRate: 44_100).render()
                let right = DemoTrack(style: style, variant: i + 1, duration: seconds, sampleRate: 44_100).render()
                try Data(WAVEncoder.encode(channels: [left, right], sampleRate: 44_100)).write(to: URL(fileURLWithPath: path))
            }
            return path
        }
    }

    static func threadCPU() -> Double { cpuClock(CLOCK_THREAD_CPUTIME_ID) }
    static func processCPU() -> Double { cpuClock(CLOCK_PROCESS_CPUTIME_ID) }

    private static func cpuClock(_ clock: clockid_t) -> Double {
        var t = timespec()
        clock_gettime(clock, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
