import ArgumentParser
import Foundation
import MusicIndex
import MusicIngest
import WireJSON

/// `wavedefect embed FILE... [--json]`: one line per file on stdout; failures on stderr.
public struct EmbedCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the 40-D MFCC embedding of audio files (librosa-compatible).",
        discussion: """
            Each file is decoded to mono 22,050 Hz and summarised as 20 MFCC means followed by 20 \
            MFCC standard deviations. A file that cannot be embedded is reported on stderr; the \
            others are still done, and the exit status is 1.
            """
    )

    @Argument(help: "Audio files in any format FFmpeg reads.")
    public var files: [String]

    @Flag(help: "One JSON object per line: {\"file\", \"vector\", \"duration\", \"sample_rate\"}.")
    public var json = false

    @OptionGroup public var limits: DecodeLimitOptions

    public init() {}

    public func run() throws {
        let embedder = TrackEmbedder(limits: limits.decodeLimits)
        var failures = 0
        for file in files {
            let path = absolutePath(file)
            do {
                let embedding = try embedder.embed(file: path)
                print(json ? Self.jsonLine(path: path, embedding) : Self.textLine(path: path, embedding))
            } catch {
                failures += 1
                writeToStderr("embed: \(path): \(error)")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    static func jsonLine(path: String, _ embedding: AudioEmbedding) -> String {
        var w = JSONWriter(reservingCapacity: 600)
        w.beginObject()
        w.key("file")
        w.string(path)
        w.key("vector")
        w.beginArray()
        for x in embedding.vector { w.double(Double(x)) }
        w.endArray()
        w.key("duration")
        w.double(embedding.duration)
        w.key("sample_rate")
        w.int(embedding.sampleRate)
        if embedding.truncated {
            w.key("truncated")
            w.bool(true)
        }
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func textLine(path: String, _ embedding: AudioEmbedding) -> String {
        "\(path)\t\(String(format: "%.2f", embedding.duration))s\t" + embedding.vector.map { "\($0)" }.joined(separator: " ")
    }
}
