import CFFmpeg
import Foundation

/// Decodes audio that arrives in pieces — what a participant streams into a room — into mono
/// float32 at `outputRate`, piece by piece: each `push` returns the samples its bytes
/// completed.
///
/// - `s16le`: raw 16-bit little-endian mono PCM at an announced rate, converted and
///   resampled (soxr, as `AudioDecoder`) on the caller's thread.
/// - `webm` / `ogg`: Opus (or any codec FFmpeg decodes) in the chunks a browser's
///   `MediaRecorder` hands out, cut anywhere. libavformat demuxes them *as a stream* through a
///   custom `AVIOContext` over a growing buffer (`StreamPipe`) on a thread of the stream's
///   own, since demuxers pull bytes and cannot resume after a short read; nothing is buffered
///   or re-read beyond what FFmpeg itself holds.
///
/// Not thread-safe: one producer pushes. Dropping the decoder ends its thread.
public final class AudioStreamDecoder {
    public enum Format: Sendable, Equatable {
        case s16le(sampleRate: Int)
        case webm
        case ogg

        /// The container a stream's first bytes announce: EBML (WebM, Matroska) or `OggS`.
        public static func sniff(_ head: some Collection<UInt8>) -> Format? {
            let b = Array(head.prefix(4))
            return [Format.webm, .ogg].first { $0.magic == b }
        }

        /// The bytes every stream of the container starts with (nil for raw PCM).
        public var magic: [UInt8]? {
            switch self {
            case .webm: [0x1A, 0x45, 0xDF, 0xA3]
            case .ogg: Array("OggS".utf8)
            case .s16le: nil
            }
        }
    }

    /// Announced PCM rates outside this range are refused.
    public static let pcmRates = 4_000...192_000

    public let format: Format
    public let outputRate: Int
    /// Longest a push waits for the decoding thread (a stuck decoder fails the stream
    /// instead of stalling the caller).
    public var pushTimeout: Double = 5
    /// Bytes the decoding thread may have waiting.
    public var maxPendingBytes = 4 << 20
    private var pcm: PCMStream?
    private var pipe: StreamPipe?
    /// Bytes of the container's `magic` seen so far. A stream is refused at its first bytes
    /// when they are not the container's: the demuxer would otherwise read garbage that
    /// happens to look like the length of an unknown element (about 1 stream in 20 of random
    /// bytes) as a promise of more data, and wait for it without ever failing.
    private var magicSeen = 0
    /// Set when the first bytes were not the container's: every later call fails with it.
    private var refusal: AudioDecodingError?
    /// Output samples produced so far.
    public private(set) var samplesOut = 0

    public init(format: Format, outputRate: Int) throws(AudioDecodingError) {
        self.format = format
        self.outputRate = outputRate
        AudioDecoder.silenceFFmpegLogging()
        switch format {
        case .s16le(let rate):
            guard Self.pcmRates.contains(rate) else { throw .cannotOpen("s16le sample rate \(rate) outside \(Self.pcmRates)") }
            pcm = try PCMStream(inputRate: rate, outputRate: outputRate)
        case .webm, .ogg:
            let pipe = StreamPipe()
            self.pipe = pipe
            let thread = Thread { ContainerStreamDecoding.run(pipe, container: format == .webm ? "matroska" : "ogg", outputRate: outputRate) }
            thread.name = "wavedefect.audio-stream"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit { pipe?.abandon() }

    /// Feeds the next bytes of the stream; returns the samples they completed.
    public func push(_ bytes: UnsafeRawBufferPointer) throws(AudioDecodingError) -> [Float] {
        let out: [Float]
        if let pcm {
            out = try pcm.push(bytes)
        } else {
            try checkMagic(bytes)
            out = try pipe!.write(bytes, timeout: pushTimeout, maxPending: maxPendingBytes)
        }
        samplesOut += out.count
        return out
    }

    public func push(_ bytes: [UInt8]) throws(AudioDecodingError) -> [Float] {
        try bytes.withUnsafeBytes { b in Result { () throws(AudioDecodingError) in try push(b) } }.get()
    }

    /// Checks the stream's first bytes, however they are cut, against the container's magic.
    private func checkMagic(_ bytes: UnsafeRawBufferPointer) throws(AudioDecodingError) {
        if let refusal { throw refusal }
        guard let magic = format.magic, magicSeen < magic.count else { return }
        for byte in bytes.prefix(magic.count - magicSeen) {
            guard byte == magic[magicSeen] else {
                let refusal = AudioDecodingError.cannotOpen(
                    format == .webm ? "not a WebM stream: it does not start with the EBML header" : "not an Ogg stream: it does not start with OggS"
                )
                self.refusal = refusal
                throw refusal
            }
            magicSeen += 1
        }
    }

    /// The end of the stream: the decoder's and resampler's last samples.
    public func finish() throws(AudioDecodingError) -> [Float] {
        let out: [Float]
        if let pcm {
            out = try pcm.finish()
        } else {
            if let refusal { throw refusal }
            out = try pipe!.end(timeout: pushTimeout)
        }
        samplesOut += out.count
        return out
    }
}

/// s16le mono → float32 at the output rate, keeping an odd byte for the next piece.
final class PCMStream {
    private let resampler: SoxrResampler?
    private var carry: UInt8?
    private var mono: [Float] = []

    init(inputRate: Int, outputRate: Int) throws(AudioDecodingError) {
        resampler = inputRate == outputRate ? nil : try SoxrResampler(inputRate: inputRate, outputRate: outputRate)
    }

    func push(_ bytes: UnsafeRawBufferPointer) throws(AudioDecodingError) -> [Float] {
        mono.removeAll(keepingCapacity: true)
        var i = 0
        if let low = carry, !bytes.isEmpty {
            mono.append(Float(Int16(bitPattern: UInt16(low) | UInt16(bytes[0]) << 8)) * 0x1p-15)
            carry = nil
            i = 1
        }
        mono.reserveCapacity(mono.count + (bytes.count - i) / 2)
        while i + 1 < bytes.count {
            mono.append(Float(Int16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)) * 0x1p-15)
            i += 2
        }
        if i < bytes.count { carry = bytes[i] }
        guard let resampler else { return mono }
        var out: [Float] = []
        try mono.withUnsafeBufferPointer { b throws(AudioDecodingError) in try resampler.convert(b, appendingTo: &out) }
        return out
    }

    func finish() throws(AudioDecodingError) -> [Float] {
        var out: [Float] = []
        try resampler?.flush(appendingTo: &out)
        return out
    }
}

/// The decoding thread of a WebM/Ogg stream: demux, decode, mix to mono, resample, emit.
enum ContainerStreamDecoding {
    static func run(_ pipe: StreamPipe, container: String, outputRate: Int) {
        do throws(AudioDecodingError) {
            let source = ByteSource(stream: pipe, limit: Int.max)
            let session = DecodeSession(source: source)
            try session.open(analysisBytes: 4096, container: container)
            let streamIndex = try session.openAudioDecoder()
            var state = DecodeState(limits: DecodeLimits(maxDuration: .infinity, maxInputBytes: Int.max), outputRate: outputRate)
            let packet = session.packet!, frame = session.frame!
            func drain() throws(AudioDecodingError) {
                while true {
                    let status = avcodec_receive_frame(session.codec, frame)
                    if status == wd_averror_eagain() || status == wd_averror_eof() { break }
                    if status < 0 {
                        try state.countCorruptPacket(FFmpegStatus.message(status))
                        break
                    }
                    defer { av_frame_unref(frame) }
                    try state.append(frame)
                }
                pipe.emit(state.takeOutput())
            }
            while av_read_frame(session.format, packet) >= 0 {
                defer { av_packet_unref(packet) }
                guard packet.pointee.stream_index == streamIndex else { continue }
                var sent = avcodec_send_packet(session.codec, packet)
                if sent == wd_averror_eagain() {
                    try drain()
                    sent = avcodec_send_packet(session.codec, packet)
                }
                if sent < 0 {
                    try state.countCorruptPacket(FFmpegStatus.message(sent))
                    continue
                }
                try drain()
            }
            avcodec_send_packet(session.codec, nil)
            try drain()
            try state.flushResampler()
            pipe.emit(state.takeOutput())
            pipe.finish(nil)
        } catch {
            pipe.finish(error)
        }
    }
}
