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
            // Integer scales are powers of two, so `Float(x) * scale` rounds exactly like
            // libsndfile's conversion (and like converting through Double first).
            switch packed {
            case AV_SAMPLE_FMT_FLT: mix(planes, planar, channels, frameCount, dst, Float.self, scale: 1)
            case AV_SAMPLE_FMT_DBL: mix(planes, planar, channels, frameCount, dst, Double.self, scale: 1)
            case AV_SAMPLE_FMT_S16: mix(planes, planar, channels, frameCount, dst, Int16.self, scale: 0x1p-15)
            case AV_SAMPLE_FMT_S32: mix(planes, planar, channels, frameCount, dst, Int32.self, scale: 0x1p-31)
            case AV_SAMPLE_FMT_S64: mix(planes, planar, channels, frameCount, dst, Int64.self, scale: 0x1p-63)
            case AV_SAMPLE_FMT_U8: mix(planes, planar, channels, frameCount, dst, UInt8.self, scale: 0x1p-7, offset: -128)
            default: return false
            }
            return true
        }
    }

    /// Sums channels in order, then divides by the count — the same operations, in the same
    /// order, as numpy's float32 mean over two or more channels. (Halving is a multiply by 0.5:
    /// exact, and it lets the loop vectorize.)
    @inline(__always)
    private static func mix<Sample: SampleConvertible>(
        _ planes: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, _ planar: Bool, _ channels: Int,
        _ frameCount: Int, _ dst: UnsafeMutablePointer<Float>, _: Sample.Type, scale: Float, offset: Float = 0
    ) {
        @inline(__always) func value(_ x: Sample) -> Float { (x.floatValue + offset) * scale }
        if planar {
            let first = UnsafeRawPointer(planes[0]!).assumingMemoryBound(to: Sample.self)
            for i in 0..<frameCount { dst[i] = value(first[i]) }
            for c in 1..<max(channels, 1) {
                let plane = UnsafeRawPointer(planes[c]!).assumingMemoryBound(to: Sample.self)
                for i in 0..<frameCount { dst[i] += value(plane[i]) }
            }
        } else {
            let interleaved = UnsafeRawPointer(planes[0]!).assumingMemoryBound(to: Sample.self)
            if channels == 2 {
                for i in 0..<frameCount { dst[i] = value(interleaved[2 * i]) + value(interleaved[2 * i + 1]) }
            } else {
                for i in 0..<frameCount {
                    var sum = value(interleaved[i * channels])
                    for c in 1..<max(channels, 1) { sum += value(interleaved[i * channels + c]) }
                    dst[i] = sum
                }
            }
        }
        if channels == 2 {
            for i in 0..<frameCount { dst[i] *= 0.5 }
        } else if channels > 2 {
            let divisor = Float(channels)
            for i in 0..<frameCount { dst[i] /= divisor }
        }
    }
}

/// Sample types FFmpeg decoders produce, as Float before scaling.
protocol SampleConvertible {
    var floatValue: Float { get }
}

extension Float: SampleConvertible { var floatValue: Float { self } }
extension Double: SampleConvertible { var floatValue: Float { Float(self) } }
extension Int16: SampleConvertible { var floatValue: Float { Float(self) } }
extension Int32: SampleConvertible { var floatValue: Float { Float(self) } }
extension Int64: SampleConvertible { var floatValue: Float { Float(self) } }
extension UInt8: SampleConvertible { var floatValue: Float { Float(self) } }
