import AudioDecoding
import DemoAudio
import Foundation
import Testing

@Suite struct DecoderTests {
    /// A deterministic test tone at `rate` Hz.
    static func tone(_ count: Int, rate: Double = 22_050, frequency: Double = 440) -> [Float] {
        (0..<count).map { Float(0.5 * sin(2 * Double.pi * frequency * Double($0) / rate)) }
    }

    @Test func floatWAVAtTheTargetRateRoundTripsExactly() throws {
        let y = Self.tone(5000)
        let audio = try AudioDecoder().decode(bytes: WAVEncoder.encode(channels: [y], sampleRate: 22_050, format: .float32))
        #expect(audio.samples == y)
        #expect(audio.sourceSampleRate == 22_050 && audio.sourceChannels == 1)
    }

    @Test func stereoIsMixedByAveragingNotByFFmpegsDownmix() throws {
        // L = x, R = 0: the channel mean is exactly x / 2. FFmpeg's default stereo→mono matrix
        // would give x · 0.707 (3 dB louder).
        let y = Self.tone(5000)
        let bytes = WAVEncoder.encode(channels: [y, [Float](repeating: 0, count: y.count)], sampleRate: 22_050, format: .float32)
        let audio = try AudioDecoder().decode(bytes: bytes)
        #expect(audio.samples == y.map { $0 / 2 })
        #expect(audio.sourceChannels == 2)
    }

    @Test func lengthFollowsLibrosasFixLength() throws {
        // 1,001 samples at 44.1 kHz → ceil(1001 · 22050 / 44100) = 501.
        let bytes = WAVEncoder.encode(channels: [Self.tone(1001, rate: 44_100)], sampleRate: 44_100, format: .float32)
        #expect(try AudioDecoder().decode(bytes: bytes).samples.count == 501)
    }

    @Test func emptyInputIsRefused() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("empty.mp3", [])
        #expect(throws: AudioDecodingError.empty) { try AudioDecoder().decode(file: path) }
        #expect(throws: AudioDecodingError.empty) { try AudioDecoder().decode(bytes: []) }
    }

    @Test func missingFilesAndDirectoriesCannotBeOpened() throws {
        let dir = try TemporaryDirectory()
        #expect(throws: AudioDecodingError.cannotOpen) { try AudioDecoder().decode(file: dir.file("nope.wav")) }
        #expect(throws: AudioDecodingError.cannotOpen) { try AudioDecoder().decode(file: dir.path) }
    }

    @Test func textAndRandomBytesAreNotAudio() throws {
        let text = Array("This is not audio, just a sentence in a file.\n".utf8)
        #expect(throws: AudioDecodingError.self) { try AudioDecoder().decode(bytes: text) }
        var x: UInt32 = 12_345
        let noise = (0..<65_536).map { _ -> UInt8 in
            x = x &* 1_103_515_245 &+ 12_345
            return UInt8(truncatingIfNeeded: x >> 16)
        }
        #expect(throws: AudioDecodingError.self) { try AudioDecoder().decode(bytes: noise) }
    }

    @Test func anImageHasNoAudioStream() throws {
        // A 1×1 PNG: FFmpeg opens it as a video stream, and there is no audio in it.
        let png: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1,
            8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0, 1, 0, 0,
            5, 0, 1, 0x0D, 0x0A, 0x2D, 0xB4, 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ]
        #expect(throws: AudioDecodingError.noAudioStream) { try AudioDecoder().decode(bytes: png) }
    }

    @Test func aHeaderWithoutSamplesDecodesNothing() throws {
        let header = Array(WAVEncoder.encode(channels: [[]], sampleRate: 44_100).prefix(44))
        #expect(throws: AudioDecodingError.noSamples) { try AudioDecoder().decode(bytes: header) }
    }

    @Test func aTruncatedFileDecodesCleanlyToWhereItEnds() throws {
        let full = try AudioDecoder().decode(file: Fixtures.path("tone.flac"))
        let bytes = try Fixtures.bytes("tone.flac")
        let partial = try AudioDecoder().decode(bytes: Array(bytes.prefix(bytes.count * 2 / 5)))
        #expect(partial.samples.count > 0 && partial.samples.count < full.samples.count * 3 / 5)
        // Away from the cut, where the resampler's filter sees the same input, samples agree.
        let n = partial.samples.count - 200
        #expect(maxAbsDifference(Array(partial.samples.prefix(n)), Array(full.samples.prefix(n))) < 1e-6)
        #expect(throws: AudioDecodingError.self) { try AudioDecoder().decode(bytes: Array(bytes.prefix(60))) }
    }

    @Test func aWAVHeaderClaimingHoursStopsAtTheRealEnd() throws {
        var bytes = WAVEncoder.encode(channels: [Self.tone(22_050)], sampleRate: 22_050)
        bytes.replaceSubrange(40..<44, with: [0xF0, 0xFF, 0xFF, 0x7F])  // data size ≈ 2 GiB
        let audio = try AudioDecoder().decode(bytes: bytes)
        #expect(audio.samples.count == 22_050)
    }

    @Test func garbageInTheMiddleOfAnMP3IsSkipped() throws {
        var bytes = try Fixtures.bytes("tone.mp3")
        let clean = try AudioDecoder().decode(bytes: bytes)
        for i in (bytes.count / 3)..<(bytes.count / 3 + 1500) { bytes[i] = UInt8(truncatingIfNeeded: i &* 7919) }
        let damaged = try AudioDecoder().decode(bytes: bytes)
        #expect(abs(damaged.samples.count - clean.samples.count) < clean.samples.count / 4)
    }

    @Test func inputsOverTheSizeLimitAreRefused() throws {
        let limits = DecodeLimits(maxInputBytes: 1000)
        #expect(throws: AudioDecodingError.tooLarge) { try AudioDecoder(limits: limits).decode(file: Fixtures.path("tone.mp3")) }
        #expect(throws: AudioDecodingError.tooLarge) { try AudioDecoder(limits: limits).decode(bytes: Fixtures.bytes("tone.mp3")) }
    }

    @Test func decodingStopsAtTheDurationCap() throws {
        let audio = try AudioDecoder(limits: DecodeLimits(maxDuration: 0.5)).decode(file: Fixtures.path("tone.flac"))
        #expect(audio.stoppedAtLimit)
        #expect(audio.samples.count == 11_025)
        let full = try AudioDecoder().decode(file: Fixtures.path("tone.flac"))
        #expect(!full.stoppedAtLimit)
    }

    @Test func anEndlessPipeStopsAtTheDurationCap() throws {
        let audio = try Self.decodeEndlessPipe(limits: DecodeLimits(maxDuration: 2))
        #expect(audio.stoppedAtLimit)
        #expect(audio.samples.count == 44_100)
    }

    @Test func anEndlessPipeStopsAtTheByteCap() throws {
        let audio = try Self.decodeEndlessPipe(limits: DecodeLimits(maxInputBytes: 200_000))
        #expect(audio.stoppedAtLimit)
        #expect(audio.samples.count > 0 && audio.samples.count <= 100_000)
    }

    /// A FIFO fed by a thread that writes a 16-bit WAV header and then samples forever, until
    /// the decoder closes its end.
    static func decodeEndlessPipe(limits: DecodeLimits) throws -> DecodedAudio {
        signal(SIGPIPE, SIG_IGN)
        let dir = try TemporaryDirectory()
        let fifo = dir.file("endless.wav")
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            guard fd >= 0 else { return }
            defer { close(fd) }
            var header = WAVEncoder.encode(channels: [[]], sampleRate: 22_050)
            header.replaceSubrange(40..<44, with: [0xFF, 0xFF, 0xFF, 0xFF])
            let chunk = Array(WAVEncoder.encode(channels: [tone(4096)], sampleRate: 22_050).dropFirst(44))
            guard write(fd, header, header.count) == header.count else { return }
            while write(fd, chunk, chunk.count) > 0 {}
        }
        writer.start()
        return try AudioDecoder(limits: limits).decode(file: fifo)
    }
}

/// Inputs whose stream parameters are not in a header: the quick 4 KiB analysis is not enough
/// and the decoder must fall back to FFmpeg's full analysis (fixtures made with the ffmpeg CLI:
/// `-f adts` AAC and MPEG-TS with MP2, 0.75 s of tone.flac each).
@Suite struct HeaderlessInputTests {
    @Test(arguments: ["tone_adts.aac", "tone.ts"])
    func decodesFromFileAndFromMemory(_ name: String) throws {
        let fromFile = try AudioDecoder().decode(file: Fixtures.path(name))
        let fromBytes = try AudioDecoder().decode(bytes: Fixtures.bytes(name))
        #expect(fromFile.samples.count == fromBytes.samples.count)
        // 0.75 s, give or take the codec's frame padding.
        #expect(abs(fromFile.duration - 0.75) < 0.1, "\(fromFile.duration) s")
        #expect(fromFile.sourceSampleRate == 44_100)
        let rms = (fromFile.samples.reduce(0) { $0 + $1 * $1 } / Float(fromFile.samples.count)).squareRoot()
        #expect(rms > 0.01)
    }
}

/// Damaged packets inside an intact container: tone.m4a keeps its sample tables (`moov`) after
/// the audio (`mdat`), so garbling the audio bytes leaves every packet readable but undecodable.
@Suite struct CorruptPacketTests {
    static func garbledM4A() throws -> [UInt8] {
        var bytes = try Fixtures.bytes("tone.m4a")
        let mdat = try #require(Self.find(Array("mdat".utf8), in: bytes))
        let moov = try #require(Self.find(Array("moov".utf8), in: bytes))
        var x: UInt32 = 99
        // The middle third of the audio: the clip still starts and ends with good packets.
        let third = (moov - mdat) / 3
        for i in (mdat + third)..<(moov - third) {
            x = x &* 1_664_525 &+ 1_013_904_223
            bytes[i] = UInt8(truncatingIfNeeded: x >> 24)
        }
        return bytes
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    @Test func undecodablePacketsAreSkippedAndCounted() throws {
        let audio = try AudioDecoder(limits: DecodeLimits(maxCorruptPackets: 10_000)).decode(bytes: Self.garbledM4A())
        #expect(audio.skippedPackets > 5)
    }

    @Test func tooManyUndecodablePacketsMeanCorruptInput() throws {
        #expect(throws: AudioDecodingError.corrupt) {
            try AudioDecoder(limits: DecodeLimits(maxCorruptPackets: 5)).decode(bytes: Self.garbledM4A())
        }
    }
}
