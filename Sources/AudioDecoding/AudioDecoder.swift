import CFFmpeg
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Decodes any audio FFmpeg reads into mono float32 at 22,050 Hz, matching `librosa.load`:
/// channels are averaged, then resampled with soxr at 20-bit precision, and the length is fixed
/// to `ceil(n * 22050 / sr)` as librosa's `fix_length` does.
///
/// A value type with no state of its own: decode from any number of threads at once.
public struct AudioDecoder: Sendable {
    /// librosa's default rate, and the one every embedding in the catalog assumes.
    public static let librosaSampleRate = 22_050

    public var limits: DecodeLimits
    public var sampleRate: Int

    public init(limits: DecodeLimits = .default, sampleRate: Int = AudioDecoder.librosaSampleRate) {
        self.limits = limits
        self.sampleRate = sampleRate
        Self.silenceFFmpegLogging()
    }

    /// Decodes a file (or a FIFO / character device: those stop at the limits).
    public func decode(file path: String) throws(AudioDecodingError) -> DecodedAudio {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen("\(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw .cannotOpen("\(path): \(String(cString: strerror(errno)))")
        }
        let isRegular = (info.st_mode & S_IFMT) == S_IFREG
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .cannotOpen("\(path): is a directory")
        }
        if isRegular {
            if info.st_size == 0 {
                close(fd)
                throw .empty(path)
            }
            if info.st_size > limits.maxInputBytes {
                close(fd)
                throw .tooLarge("\(path): \(info.st_size) bytes, limit \(limits.maxInputBytes)")
            }
        }
        let source = ByteSource(fileDescriptor: fd, size: isRegular ? Int64(info.st_size) : nil, limit: limits.maxInputBytes)
        return try run(source)
    }

    /// Decodes audio held in memory: an upload, a room stream's buffer, an iTunes preview.
    public func decode(bytes: [UInt8]) throws(AudioDecodingError) -> DecodedAudio {
        guard !bytes.isEmpty else { throw .empty("0 bytes") }
        guard bytes.count <= limits.maxInputBytes else {
            throw .tooLarge("\(bytes.count) bytes, limit \(limits.maxInputBytes)")
        }
        return try run(ByteSource(bytes: bytes, limit: limits.maxInputBytes))
    }

    /// Bytes of packets analysed on the first attempt to open a seekable input.
    static let quickAnalysisBytes: Int64 = 4096

    /// Opens `source` with a quick stream analysis when it can be rewound, falling back to
    /// FFmpeg's full analysis when the quick one leaves the audio stream incomplete (MPEG-TS,
    /// headerless streams, codec probing of odd WAVs).
    private func openSession(_ source: ByteSource) throws(AudioDecodingError) -> DecodeSession {
        if source.isSeekable {
            let quick = DecodeSession(source: source)
            if (try? quick.open(analysisBytes: Self.quickAnalysisBytes)) != nil, quick.hasCompleteAudioStream {
                return quick
            }
            guard source.seek(offset: 0, whence: SEEK_SET) == 0 else { throw .cannotOpen("cannot rewind input") }
        }
        let full = DecodeSession(source: source)
        try full.open(analysisBytes: nil)
        return full
    }

    private func run(_ source: ByteSource) throws(AudioDecodingError) -> DecodedAudio {
        let session = try openSession(source)
        let streamIndex = try session.openAudioDecoder()
        var state = DecodeState(limits: limits, outputRate: sampleRate)
        state.reserve(seconds: session.estimatedDuration)
        let packet = session.packet!
        while !state.stopped {
            let status = av_read_frame(session.format, packet)
            // Read errors past the first packet are what a truncated file looks like: keep
            // what decoded cleanly.
            guard status >= 0 else { break }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            var sent = avcodec_send_packet(session.codec, packet)
            if sent == wd_averror_eagain() {
                // The decoder's output is full: drain it, then the same packet is accepted.
                try receiveFrames(session, &state)
                sent = avcodec_send_packet(session.codec, packet)
            }
            if sent < 0 {
                try state.countCorruptPacket(FFmpegStatus.message(sent))
                continue
            }
            try receiveFrames(session, &state)
        }
        if !state.stopped {
            avcodec_send_packet(session.codec, nil)
            try receiveFrames(session, &state)
        }
        if session.source.hitLimit { state.stopped = true }
        var audio = try state.finish(codec: session.codecName)
        audio.tags = session.tags(streamIndex: streamIndex)
        return audio
    }

    private func receiveFrames(_ session: DecodeSession, _ state: inout DecodeState) throws(AudioDecodingError) {
        let frame = session.frame!
        while !state.stopped {
            let status = avcodec_receive_frame(session.codec, frame)
            if status == wd_averror_eagain() || status == wd_averror_eof() { return }
            if status < 0 {
                try state.countCorruptPacket(FFmpegStatus.message(status))
                return
            }
            defer { av_frame_unref(frame) }
            try state.append(frame)
        }
    }

    private static let loggingSilenced = Mutex(false)

    /// FFmpeg prints warnings about damaged input to stderr by itself; every problem is reported
    /// through `AudioDecodingError` instead, so the CLI's stderr carries one line per bad file.
    static func silenceFFmpegLogging() {
        loggingSilenced.withLock { done in
            guard !done else { return }
            av_log_set_level(AV_LOG_QUIET)
            done = true
        }
    }
}
