import AudioDecoding
import Foundation
import Testing

/// Audio streamed into a room, decoded piece by piece (`AudioStreamDecoder`): the same
/// samples as decoding the whole file at once, however the bytes are cut.
@Suite struct AudioStreamDecoderTests {
    /// Feeds `bytes` in pieces of the given sizes (cycled) and collects the output.
    static func stream(_ decoder: AudioStreamDecoder, _ bytes: [UInt8], pieces: [Int]) throws -> (samples: [Float], perPush: [Int]) {
        var out: [Float] = [], perPush: [Int] = [], offset = 0, i = 0
        while offset < bytes.count {
            let n = min(pieces[i % pieces.count], bytes.count - offset)
            let got = try decoder.push(Array(bytes[offset..<(offset + n)]))
            out += got
            perPush.append(got.count)
            offset += n
            i += 1
        }
        out += try decoder.finish()
        return (out, perPush)
    }

    @Test func s16lePiecesCutAtOddBytesGiveTheWholeFilesSamples() throws {
        let wav = try Fixtures.bytes("tone.wav")
        let pcm = Array(wav.dropFirst(44))
        let whole = try AudioDecoder(sampleRate: 16_000).decode(file: Fixtures.path("tone.wav")).samples
        let same = try Self.stream(try AudioStreamDecoder(format: .s16le(sampleRate: 16_000), outputRate: 16_000), pcm, pieces: [3, 1001, 1, 640])
        #expect(same.samples == whole, "no resampling: bit-identical to the file decoder, the odd byte carried over")
        let resampled = try Self.stream(try AudioStreamDecoder(format: .s16le(sampleRate: 16_000), outputRate: 11_025), pcm, pieces: [333, 4097])
        let reference = try AudioDecoder(sampleRate: 11_025).decode(file: Fixtures.path("tone.wav")).samples
        #expect(abs(resampled.samples.count - reference.count) <= 1)
        let n = min(resampled.samples.count, reference.count)
        #expect(maxAbsDifference(Array(resampled.samples.prefix(n)), Array(reference.prefix(n))) < 1e-4, "soxr streams: the same filter as the whole-file resampler")
        #expect(resampled.perPush.dropFirst().contains { $0 > 0 }, "samples come out as the bytes arrive")
    }

    /// `tone.webm` is muxed as a live stream (unknown sizes, no cues, as `MediaRecorder`
    /// writes it); `tone-live.ogg` has 100 ms pages, as a recorder flushing every timeslice
    /// makes them (an Ogg page is only readable once complete).
    @Test(arguments: [("tone.webm", AudioStreamDecoder.Format.webm), ("tone-live.ogg", .ogg)])
    func opusChunksCutAnywhereDecodeAsTheyArrive(file: String, format: AudioStreamDecoder.Format) throws {
        let bytes = try Fixtures.bytes(file)
        #expect(AudioStreamDecoder.Format.sniff(bytes) == format)
        let whole = try AudioDecoder(sampleRate: 16_000).decode(file: Fixtures.path(file)).samples
        let streamed = try Self.stream(try AudioStreamDecoder(format: format, outputRate: 16_000), bytes, pieces: [700, 1, 2500, 37])
        // The file decoder trims to the container's sample count; the stream decoder cannot
        // know it and keeps the codec's tail.
        #expect(abs(streamed.samples.count - whole.count) < 16_000 / 10, "\(streamed.samples.count) vs \(whole.count)")
        let n = min(streamed.samples.count, whole.count)
        #expect(maxAbsDifference(Array(streamed.samples.prefix(n)), Array(whole.prefix(n))) < 2e-3, "the same decode; only the start trimming differs")
        let firstHalf = streamed.perPush.prefix(streamed.perPush.count / 2).reduce(0, +)
        #expect(firstHalf > whole.count / 4, "half the bytes already gave \(firstHalf) samples: decoded as a stream, not at the end")
    }

    /// Garbage behind the container's magic reaches the demuxer: it must not crash it.
    @Test func garbageInAContainerNeverCrashesAndGivesNoSamples() throws {
        var rng = SystemRandomNumberGenerator()
        let garbage = (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for format in [AudioStreamDecoder.Format.webm, .ogg] {
            let decoder = try AudioStreamDecoder(format: format, outputRate: 16_000)
            decoder.pushTimeout = 2
            var produced = 0
            do {
                produced += try decoder.push(format.magic!).count
                for start in stride(from: 0, to: garbage.count, by: 1000) { produced += try decoder.push(Array(garbage[start..<(start + 1000)])).count }
                produced += try decoder.finish().count
            } catch {
                // Refusing the stream is the other acceptable answer.
            }
            #expect(produced == 0)
        }
        #expect(AudioStreamDecoder.Format.sniff(garbage.prefix(3)) == nil)
        #expect(throws: AudioDecodingError.cannotOpen) { try AudioStreamDecoder(format: .s16le(sampleRate: 10), outputRate: 16_000) }
    }

    /// Bytes that do not start with the announced container's magic are refused at once. The
    /// head below is one random stream the Matroska demuxer read as an unknown element
    /// (ID 0x47E6) 395,501 bytes long and waited for, never failing, whatever followed.
    @Test(arguments: [AudioStreamDecoder.Format.webm, .ogg])
    func bytesThatAreNotTheAnnouncedContainerAreRefusedAtTheFirstPush(format: AudioStreamDecoder.Format) throws {
        let head: [UInt8] = [0x47, 0xE6, 0x26, 0x08, 0xED, 0xFB, 0xE1, 0x25]
        let decoder = try AudioStreamDecoder(format: format, outputRate: 16_000)
        #expect(throws: AudioDecodingError.cannotOpen) { try decoder.push(head + [UInt8](repeating: 0, count: 4_000)) }
        #expect(throws: AudioDecodingError.cannotOpen, "refused for good") { try decoder.push(format.magic! + [0, 0]) }
        #expect(throws: AudioDecodingError.cannotOpen) { try decoder.finish() }

        // Cut inside the magic: the fourth byte decides.
        let cut = try AudioStreamDecoder(format: format, outputRate: 16_000)
        #expect(try cut.push(Array(format.magic!.prefix(1))).isEmpty)
        #expect(try cut.push(Array(format.magic![1..<3])).isEmpty)
        let refused = #expect(throws: AudioDecodingError.self) { try cut.push([0x00]) }
        #expect(refused?.description.contains(format == .webm ? "not a WebM stream" : "not an Ogg stream") == true, "\(String(describing: refused))")
    }

    @Test(arguments: [("tone.webm", AudioStreamDecoder.Format.webm), ("tone-live.ogg", .ogg)])
    func aRealStreamCutInsideItsMagicIsDecoded(file: String, format: AudioStreamDecoder.Format) throws {
        let streamed = try Self.stream(try AudioStreamDecoder(format: format, outputRate: 16_000), try Fixtures.bytes(file), pieces: [1, 2, 1, 4096])
        #expect(streamed.samples.count > 16_000 / 2)
    }

    @Test func aDecoderDroppedMidStreamEndsItsThread() throws {
        let bytes = try Fixtures.bytes("tone.webm")
        for _ in 0..<20 {
            let decoder = try AudioStreamDecoder(format: .webm, outputRate: 16_000)
            _ = try decoder.push(Array(bytes.prefix(3000)))
        }
        // Each decoder's thread is released by `deinit` (a leak would hang 20 threads waiting
        // for bytes; nothing to assert here beyond not hanging or crashing).
    }
}
