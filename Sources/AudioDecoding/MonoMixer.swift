import CFFmpeg

/// Turns one decoded frame, in whatever sample format the codec produced, into mono float32 by
/// averaging the channels — `np.mean(y, axis=0)` in `librosa.to_mono`, not FFmpeg's downmix
/// matrix (which keeps the sum's level and would come out 3 dB louder for stereo).
///
/// Integer formats are scaled exactly as libsndfile does when librosa reads them as float32
/// (`x / 2^(bits-1)`), so a 16-bit WAV gives bit-identical samples.
enum MonoMixer {
    /// Appends `frameCount` mono samples to `output`. Returns false for a sample format it does
    /// not know (none of FFmpeg's decoders produces one today).
    static func appendMono(
        planes: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
        format: AVSampleFormat, channels: Int, frameCount: Int, to output: inout [Float]
    ) -> Bool {
        let planar = av_sample_fmt_is_planar(format) != 0
        let packed = av_get_packed_sample_fmt(format)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: frameCount))
        return output.withUnsafeMutableBufferPointer { out -> Bool in
            let dst = out.baseAddress! + start
            switch packed {
            case AV_SAMPLE_FMT_FLT:
                mix(planes, planar, channels, frameCount, dst, as: Float.self) { $0 }
            case AV_SAMPLE_FMT_DBL:
                mix(planes, planar, channels, frameCount, dst, as: Double.self) { Float($0) }
            case AV_SAMPLE_FMT_S16:
                mix(planes, planar, channels, frameCount, dst, as: Int16.self) { Float($0) * (1 / 32768) }
            case AV_SAMPLE_FMT_S32:
                mix(planes, planar, channels, frameCount, dst, as: Int32.self) { Float(Double($0) * (1 / 2147483648)) }
            case AV_SAMPLE_FMT_S64:
                mix(planes, planar, channels, frameCount, dst, as: Int64.self) { Float(Double($0) * 0x1p-63) }
            case AV_SAMPLE_FMT_U8:
                mix(planes, planar, channels, frameCount, dst, as: UInt8.self) { (Float($0) - 128) * (1 / 128) }
            default:
                return false
            }
            return true
        }
    }

    /// Sums channels in order, then divides by the count — the same operations, in the same
    /// order, as numpy's float32 mean over two or more channels.
    @inline(__always)
    private static func mix<Sample>(
        _ planes: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, _ planar: Bool, _ channels: Int,
        _ frameCount: Int, _ dst: UnsafeMutablePointer<Float>, as _: Sample.Type, _ toFloat: (Sample) -> Float
    ) {
        if planar {
            let first = UnsafeRawPointer(planes[0]!).assumingMemoryBound(to: Sample.self)
            for i in 0..<frameCount { dst[i] = toFloat(first[i]) }
            guard channels > 1 else { return }
            for c in 1..<channels {
                let plane = UnsafeRawPointer(planes[c]!).assumingMemoryBound(to: Sample.self)
                for i in 0..<frameCount { dst[i] += toFloat(plane[i]) }
            }
        } else {
            let interleaved = UnsafeRawPointer(planes[0]!).assumingMemoryBound(to: Sample.self)
            for i in 0..<frameCount {
                var sum = toFloat(interleaved[i * channels])
                for c in 1..<max(channels, 1) { sum += toFloat(interleaved[i * channels + c]) }
                dst[i] = sum
            }
        }
        guard channels > 1 else { return }
        let divisor = Float(channels)
        for i in 0..<frameCount { dst[i] /= divisor }
    }
}
