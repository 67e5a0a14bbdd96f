import ArgumentParser
import AudioDecoding
import FingerprintCore
import Foundation
import MusicCatalog
import MusicRecognition
import WireJSON

/// `wavedefect recognize FILE... [--db DB] [--json] [--all]`.
public struct RecognizeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "recognize",
        abstract: "Say which catalog track an audio excerpt is, by its landmark fingerprints.",
        discussion: """
            A match needs its aligned hashes to be far beyond what chance gives that query \
            (docs/recognition.md); otherwise the answer is no match. With --json, one object per \
            file: {"match": null} or {"match": {"id", "path", "title", "artist", "offset_s", \
            "score", …}}, with a "file" field when several files are given. --all scans a long \
            recording in overlapping windows and lists every track heard with its start and end \
            time ("matches"). Files that cannot be decoded are reported on stderr; the exit \
            status is then 1.
            """)

    @Argument(help: "Audio files to recognize.")
    public var files: [String]

    @OptionGroup public var catalog: CatalogOptions
    @OptionGroup public var limits: DecodeLimitOptions

    @Flag(help: "Print JSON, one object per file.")
    public var json = false

    @Flag(help: "List every catalog track heard in a long recording, with start and end times.")
    public var all = false

    @Option(help: "With --all: seconds of recording per query window.")
    public var window: Double = 10

    @Option(help: "With --all: seconds between the starts of two windows.")
    public var step: Double = 5

    @Flag(help: "With --json: also print the best candidate (\"best\"), match or not, to see how close a miss was.")
    public var best = false

    @Flag(help: "With --json: add \"decode_ms\" (reading and resampling the file) and \"query_ms\" (fingerprinting and matching) to each object, for benchmarks.")
    public var timing = false

    @Option(help: "Minimum significance of a match (−log10 of the chance bound).")
    public var minScore: Double = MatchSettings.standard.minSignificance

    public init() {}

    public func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one audio file") }
        guard window > 0, step > 0 else { throw ValidationError("--window and --step must be positive") }
        guard minScore >= 0 else { throw ValidationError("--min-score must not be negative") }
    }

    public func run() throws {
        let catalog = try self.catalog.openForReading()
        var matchSettings = MatchSettings.standard
        matchSettings.minSignificance = minScore
        let library = try FingerprintLibrary(catalog: catalog, matchSettings: matchSettings)
        guard library.index.trackCount > 0 else {
            throw CommandError("the catalog has no fingerprints; run `wavedefect fingerprint --db \(catalog.path)` (or ingest some music) first")
        }
        let decoder = AudioDecoder(limits: limits.decodeLimits, sampleRate: library.fingerprinter.settings.sampleRate)
        var failed = false
        let clock = ContinuousClock()
        for file in files {
            let samples: [Float]
            let started = clock.now
            do {
                samples = try decoder.decode(file: file).samples
            } catch {
                writeToStderr("recognize: \(file): \(error)")
                failed = true
                continue
            }
            let decodeTime = started.duration(to: clock.now)
            let line = all
                ? try scan(samples, file: file, library: library)
                : try recognizeOne(samples, file: file, library: library, decodeTime: decodeTime)
            print(line)
        }
        if failed { throw ExitCode(1) }
    }

    func recognizeOne(_ samples: [Float], file: String, library: FingerprintLibrary, decodeTime: Duration = .zero) throws -> String {
        let clock = ContinuousClock()
        let started = clock.now
        let recognition = try library.recognize(samples: samples)
        let queryTime = started.duration(to: clock.now)
        guard json else {
            guard let m = recognition.match else { return "\(file): no match" }
            return "\(file): \(m.track.displayName) [\(m.track.id)] at \(Self.clock(m.offsetSeconds)), score \(String(format: "%.1f", m.score))"
        }
        var w = JSONWriter(reservingCapacity: 512)
        w.beginObject()
        if files.count > 1 {
            w.key("file")
            w.string(file)
        }
        w.key("match")
        if let m = recognition.match {
            RecognitionJSON.writeMatch(m, queryHashes: recognition.result.queryLandmarks, youtubeURL: nil, into: &w)
        } else {
            w.null()
        }
        if best {
            w.key("best")
            if let c = recognition.result.candidates.first {
                w.beginObject()
                w.key("id")
                w.int(c.id)
                w.key("offset_s")
                w.double((c.offsetFrames * recognition.frameSeconds * 1000).rounded() / 1000)
                w.key("score")
                w.double((c.significance * 100).rounded() / 100)
                w.key("aligned_hashes")
                w.int(c.alignedHashes)
                w.key("rival_aligned")
                w.int(c.runnerUpAligned)
                w.key("expected_by_chance")
                w.double((c.expectedAligned * 1000).rounded() / 1000)
                w.key("next_track_aligned")
                w.int(recognition.result.candidates.dropFirst().map(\.alignedHashes).max() ?? 0)
                w.endObject()
            } else {
                w.null()
            }
        }
        if timing {
            w.key("decode_ms")
            w.double(Self.milliseconds(decodeTime))
            w.key("query_ms")
            w.double(Self.milliseconds(queryTime))
        }
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// Milliseconds to a microsecond.
    static func milliseconds(_ d: Duration) -> Double {
        let (seconds, attoseconds) = d.components
        return (Double(seconds) * 1e6 + Double(attoseconds / 1_000_000_000_000)).rounded() / 1e3
    }

    /// Overlapping windows, each recognized on its own, merged by `MatchTimeline`.
    func scan(_ samples: [Float], file: String, library: FingerprintLibrary) throws -> String {
        let settings = library.fingerprinter.settings
        let rate = Double(settings.sampleRate)
        let windowSamples = max(1, Int(window * rate)), stepSamples = max(1, Int(step * rate))
        var timeline = MatchTimeline(maxGap: Int((window + step) / settings.frameSeconds))
        var start = 0
        repeat {
            let end = min(samples.count, start + windowSamples)
            let recognition = try library.recognize(samples: Array(samples[start..<end]))
            if let m = recognition.result.match {
                timeline.add(windowStart: start / settings.hopLength, match: m)
            }
            start += stepSamples
        } while start + windowSamples / 2 < samples.count
        var tracks: [Int64: Track] = [:]
        for segment in timeline.segments where tracks[segment.id] == nil { tracks[segment.id] = try library.catalog.track(id: segment.id) }
        let segments = timeline.segments.filter { tracks[$0.id] != nil }
        let seconds = settings.frameSeconds
        guard json else {
            if segments.isEmpty { return "\(file): no match" }
            return segments.map { s in
                "\(file): \(Self.clock(Double(s.startFrame) * seconds))–\(Self.clock(Double(s.endFrame) * seconds)) "
                    + "\(tracks[s.id]!.displayName) [\(s.id)] from \(Self.clock(s.trackStartFrame * seconds)), score \(String(format: "%.1f", s.significance))"
            }.joined(separator: "\n")
        }
        var w = JSONWriter(reservingCapacity: 256 * (segments.count + 1))
        w.beginObject()
        if files.count > 1 {
            w.key("file")
            w.string(file)
        }
        w.key("matches")
        w.beginArray()
        for s in segments {
            w.beginObject()
            RecognitionJSON.writeTrackFields(tracks[s.id]!, into: &w)
            w.key("start_s")
            w.double((Double(s.startFrame) * seconds * 1000).rounded() / 1000)
            w.key("end_s")
            w.double((Double(s.endFrame) * seconds * 1000).rounded() / 1000)
            w.key("offset_s")
            w.double((s.trackStartFrame * seconds * 1000).rounded() / 1000)
            w.key("score")
            w.double((s.significance * 100).rounded() / 100)
            w.key("windows")
            w.int(s.windows)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// `m:ss.s`.
    static func clock(_ seconds: Double) -> String {
        let s = max(0, seconds)
        return String(format: "%d:%04.1f", Int(s) / 60, s.truncatingRemainder(dividingBy: 60))
    }
}
