import CFFmpeg

/// Mono float32 → mono float32 rate conversion through swresample's SoX engine at 20-bit
/// precision, which is libsoxr's "HQ" recipe: the `soxr_hq` that `librosa.load` uses by default.
/// Checked against python-soxr on the same input: identical samples.
final class SoxrResampler {
    private var context: OpaquePointer?
    let inputRate: Int
    let outputRate: Int

    init(inputRate: Int, outputRate: Int) throws(AudioDecodingError) {
        self.inputRate = inputRate
        self.outputRate = outputRate
        var monoOut = AVChannelLayout(), monoIn = AVChannelLayout()
        av_channel_layout_default(&monoOut, 1)
        av_channel_layout_default(&monoIn, 1)
        var swr: OpaquePointer?
        var status = swr_alloc_set_opts2(
            &swr, &monoOut, AV_SAMPLE_FMT_FLT, Int32(outputRate), &monoIn, AV_SAMPLE_FMT_FLT, Int32(inputRate), 0, nil)
        if status >= 0, let swr {
            status = av_opt_set_int(UnsafeMutableRawPointer(swr), "resampler", Int64(SWR_ENGINE_SOXR.rawValue), 0)
            if status >= 0 { status = av_opt_set_double(UnsafeMutableRawPointer(swr), "precision", 20, 0) }
            if status >= 0 { status = swr_init(swr) }
        }
        context = swr
        guard status >= 0, swr != nil else {
            swr_free(&context)
            throw .resampler("cannot convert \(inputRate) Hz to \(outputRate) Hz (soxr): \(FFmpegStatus.message(status))")
        }
    }

    deinit { swr_free(&context) }

    /// Resamples `input` and appends the result; `nil` input flushes the filter's tail.
    func convert(_ input: UnsafeBufferPointer<Float>?, appendingTo output: inout [Float]) throws(AudioDecodingError) {
        let inCount = input?.count ?? 0
        let room = Int(swr_get_out_samples(context, Int32(inCount))) + 256
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: room))
        let produced = output.withUnsafeMutableBufferPointer { out -> Int32 in
            var outPlane: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(out.baseAddress! + start)
                .assumingMemoryBound(to: UInt8.self)
            if let input, let base = input.baseAddress {
                var inPlane: UnsafePointer<UInt8>? = UnsafeRawPointer(base).assumingMemoryBound(to: UInt8.self)
                return swr_convert(context, &outPlane, Int32(room), &inPlane, Int32(inCount))
            }
            return swr_convert(context, &outPlane, Int32(room), nil, 0)
        }
        guard produced >= 0 else {
            output.removeLast(room)
            throw .resampler(FFmpegStatus.message(produced))
        }
        output.removeLast(room - Int(produced))
    }

    /// Drains everything still buffered in the filter.
    func flush(appendingTo output: inout [Float]) throws(AudioDecodingError) {
        while true {
            let before = output.count
            try convert(nil, appendingTo: &output)
            if output.count == before { return }
        }
    }
}
