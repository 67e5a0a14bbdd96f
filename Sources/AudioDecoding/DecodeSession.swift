import CFFmpeg

/// Owns every FFmpeg object of one decode, so that each is freed exactly once on every path —
/// success, a thrown error, or an early stop — by `deinit`.
final class DecodeSession {
    let source: ByteSource
    var io: UnsafeMutablePointer<AVIOContext>?
    var format: UnsafeMutablePointer<AVFormatContext>?
    var codec: UnsafeMutablePointer<AVCodecContext>?
    var packet: UnsafeMutablePointer<AVPacket>?
    var frame: UnsafeMutablePointer<AVFrame>?

    init(source: ByteSource) {
        self.source = source
    }

    deinit {
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        // With AVFMT_FLAG_CUSTOM_IO, closing the input leaves our AVIOContext alone.
        avformat_close_input(&format)
        ByteSource.freeIOContext(&io)
    }

    /// Opens the container over the custom I/O context and probes its streams, analysing at
    /// most `analysisBytes` of packets (nil: FFmpeg's default of 5 MB).
    /// `container` names the demuxer (`matroska`, `ogg`) for a live stream, whose bytes
    /// cannot be re-read after probing; nil probes.
    func open(analysisBytes: Int64?, container: String? = nil) throws(AudioDecodingError) {
        guard let io = source.makeIOContext(), let context = avformat_alloc_context() else {
            throw .cannotOpen("out of memory")
        }
        self.io = io
        context.pointee.pb = io
        context.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        // Stream analysis (not format detection, which has its own `format_probesize`) reads
        // 5 MB by default, and for PCM in WAV re-runs every demuxer's probe over the growing
        // packet buffer at each doubling, looking for MP3/AC-3/DTS hidden in it: about 5 ms of a
        // 30 s WAV's ~8 ms decode. See `AudioDecoder.run` for when the short analysis is used.
        if let analysisBytes { context.pointee.probesize = analysisBytes }
        format = context
        // PCM demuxers (WAV, AIFF, …) hand out 4 KiB packets by default: ~1,300 trips through
        // demuxer and decoder for a 30 s CD-quality file. Larger packets are fewer trips, but
        // FFmpeg runs every demuxer's probe over the whole first packet (hidden MP3/AC-3 check),
        // so 16 KiB is the measured sweet spot. Demuxers without the option ignore it.
        var options: OpaquePointer?
        av_dict_set(&options, "max_size", "16384", 0)
        defer { av_dict_free(&options) }
        // On failure avformat_open_input frees the context and sets `format` to nil.
        let demuxer = container.flatMap { av_find_input_format($0) }
        var status = avformat_open_input(&format, nil, demuxer, &options)
        guard status >= 0, let format else { throw .cannotOpen(FFmpegStatus.message(status)) }
        // A live stream's header (WebM's track entry, Ogg's OpusHead) says all the decoder
        // needs; analysing packets would wait for audio that has not been recorded yet.
        if container != nil, hasCompleteAudioStream { return }
        status = avformat_find_stream_info(format, nil)
        guard status >= 0 else { throw .cannotOpen(FFmpegStatus.message(status)) }
    }

    /// Finds the best audio stream and opens its decoder; returns the stream index.
    func openAudioDecoder() throws(AudioDecodingError) -> Int32 {
        guard let format else { throw .cannotOpen("not open") }
        var decoder: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0)
        guard index >= 0, let decoder else {
            let hasAudio = (0..<Int(format.pointee.nb_streams)).contains {
                format.pointee.streams[$0]?.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO
            }
            if hasAudio {
                let id = format.pointee.streams[0]?.pointee.codecpar.pointee.codec_id ?? AV_CODEC_ID_NONE
                throw .unsupportedCodec(String(cString: avcodec_get_name(id)))
            }
            throw .noAudioStream("")
        }
        guard let codec = avcodec_alloc_context3(decoder) else { throw .cannotOpen("out of memory") }
        self.codec = codec
        var status = avcodec_parameters_to_context(codec, format.pointee.streams[Int(index)]!.pointee.codecpar)
        if status >= 0 { status = avcodec_open2(codec, decoder, nil) }
        guard status >= 0 else { throw .unsupportedCodec(FFmpegStatus.message(status)) }
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        guard packet != nil, frame != nil else { throw .cannotOpen("out of memory") }
        return index
    }

    /// Tags of the container and of the audio stream (Ogg keeps them on the stream).
    func tags(streamIndex: Int32) -> [String: String] {
        guard let format else { return [:] }
        var tags: [String: String] = [:]
        for dictionary in [format.pointee.metadata, format.pointee.streams[Int(streamIndex)]?.pointee.metadata] {
            var entry: UnsafeMutablePointer<AVDictionaryEntry>?
            while let next = av_dict_get(dictionary, "", entry, AV_DICT_IGNORE_SUFFIX) {
                entry = next
                guard let key = next.pointee.key, let value = next.pointee.value else { continue }
                let name = String(cString: key).lowercased(), text = String(cString: value)
                // The container's tag wins over the stream's.
                if !text.isEmpty, tags[name] == nil { tags[name] = text }
            }
        }
        return tags
    }

    /// True when the best audio stream's codec, rate and channel count are known: the quick
    /// analysis was enough.
    var hasCompleteAudioStream: Bool {
        guard let format, format.pointee.ctx_flags & Int32(AVFMTCTX_NOHEADER) == 0 else { return false }
        let index = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        guard index >= 0, let parameters = format.pointee.streams[Int(index)]?.pointee.codecpar else { return false }
        return parameters.pointee.codec_id != AV_CODEC_ID_NONE && parameters.pointee.sample_rate > 0
            && parameters.pointee.ch_layout.nb_channels > 0
    }

    /// The container's own idea of the duration in seconds, if it has one (a hint only).
    var estimatedDuration: Double? {
        guard let format, format.pointee.duration > 0, format.pointee.duration != wd_av_nopts_value() else { return nil }
        return Double(format.pointee.duration) / Double(AV_TIME_BASE)
    }

    var codecName: String {
        guard let name = codec?.pointee.codec?.pointee.name else { return "" }
        return String(cString: name)
    }
}
