import AudioDecoding
import WireJSON
typealias WireJSONValue = JSONValue
import AudioFeatures
import Testing

/// Each format the ffmpeg CLI wrote (committed fixtures `tone.*`) decodes and embeds close to
/// librosa. Two references per file:
/// - `ffmpeg_pcm`: FFmpeg's own PCM run through librosa's pipeline (channel mean, soxr_hq,
///   `feature.mfcc`). Isolates our mixing, resampling and MFCC: tight for every format.
/// - `librosa`: `librosa.load` itself, whose decoder differs by format (libsndfile; audioread
///   for m4a), so lossy codecs differ by what the two decoders do differently.
@Suite struct FormatParityTests {
    struct Tolerance: Sendable, CustomStringConvertible {
        var file: String
        /// Max |Δsample| and max |Δembedding| against `librosa.load`.
        var librosaSample: Float
        var librosaEmbedding: Float
        var description: String { file }
    }

    static let fixture = try! Fixtures.json("formats.json")

    static let tolerances: [Tolerance] = [
        // Measured (docs/music-index.md): wav/flac 7.5e-9 / 6.1e-5 (the sample figure is the
        // fixture's 8-digit rounding), vorbis 8.9e-8 / 3.1e-5, mp3 1.8e-7 / 6.1e-5.
        Tolerance(file: "tone.wav", librosaSample: 1e-7, librosaEmbedding: 1.5e-4),
        Tolerance(file: "tone.flac", librosaSample: 1e-7, librosaEmbedding: 1.5e-4),
        Tolerance(file: "tone.ogg", librosaSample: 5e-7, librosaEmbedding: 1.5e-4),
        Tolerance(file: "tone.mp3", librosaSample: 1e-6, librosaEmbedding: 1.5e-4),
        // libsndfile decodes Opus with libopus, FFmpeg with its own decoder: 2.0e-4 / 1.05e-2.
        Tolerance(file: "tone.opus", librosaSample: 5e-4, librosaEmbedding: 3e-2),
        // librosa reads MP4 through audioread, i.e. 16-bit PCM from the ffmpeg CLI:
        // half an LSB of quantization, 1.4e-5 / 5.1e-3.
        Tolerance(file: "tone.m4a", librosaSample: 3e-5, librosaEmbedding: 1.5e-2),
    ]

    func reference(_ file: String) throws -> JSONValueBox {
        JSONValueBox(try #require(Self.fixture["files"]?.arrayValue?.first { $0["file"]?.stringValue == file }))
    }

    @Test(arguments: tolerances)
    func decodesLikeFFmpegThroughLibrosasPipeline(_ tolerance: Tolerance) throws {
        let ref = try reference(tolerance.file).value["ffmpeg_pcm"]!
        let audio = try AudioDecoder().decode(file: Fixtures.path(tolerance.file))
        #expect(audio.sampleRate == 22_050)
        #expect(audio.samples.count == ref["length"]!.int)
        let stride = Self.fixture["stride"]!.int
        let strided = Swift.stride(from: 0, to: audio.samples.count, by: stride).map { audio.samples[$0] }
        let sampleDifference = maxAbsDifference(strided, ref["samples"]!.floats)
        #expect(sampleDifference <= 1e-7, "max |Δsample| vs FFmpeg+soxr = \(sampleDifference)")
        let embedding = try MFCCExtractor().embedding(audio.samples)
        let embeddingDifference = maxAbsDifference(embedding, ref["embedding"]!.floats)
        #expect(embeddingDifference <= 1.5e-4, "max |Δembedding| vs FFmpeg+librosa = \(embeddingDifference)")
    }

    @Test(arguments: tolerances)
    func decodesAndEmbedsCloseToLibrosaLoad(_ tolerance: Tolerance) throws {
        let ref = try reference(tolerance.file).value["librosa"]!
        let audio = try AudioDecoder().decode(bytes: Fixtures.bytes(tolerance.file))
        let stride = Self.fixture["stride"]!.int
        let strided = Swift.stride(from: 0, to: audio.samples.count, by: stride).map { audio.samples[$0] }
        #expect(audio.samples.count == ref["length"]!.int)
        let expected = ref["samples"]!.floats
        let n = min(strided.count, expected.count)
        let sampleDifference = maxAbsDifference(Array(strided.prefix(n)), Array(expected.prefix(n)))
        #expect(sampleDifference <= tolerance.librosaSample, "max |Δsample| vs librosa.load = \(sampleDifference)")
        let embedding = try MFCCExtractor().embedding(audio.samples)
        let embeddingDifference = maxAbsDifference(embedding, ref["embedding"]!.floats)
        #expect(embeddingDifference <= tolerance.librosaEmbedding, "max |Δembedding| vs librosa = \(embeddingDifference)")
    }

    @Test(arguments: tolerances.map(\.file))
    func fileAndMemoryDecodesAreIdentical(_ file: String) throws {
        let fromFile = try AudioDecoder().decode(file: Fixtures.path(file))
        let fromBytes = try AudioDecoder().decode(bytes: Fixtures.bytes(file))
        #expect(fromFile.samples == fromBytes.samples)
        #expect(fromFile.sourceSampleRate == fromBytes.sourceSampleRate)
    }
}

/// `JSONValue` is Sendable already; the box only shortens call sites.
struct JSONValueBox {
    let value: WireJSONValue
    init(_ value: WireJSONValue) { self.value = value }
}
