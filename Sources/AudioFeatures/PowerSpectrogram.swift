import CFFTW
import Foundation

/// The short-time power spectrum every feature is built on: centred frames (the signal padded
/// with `fftSize / 2` zeros on both sides, librosa's `center=True`), a periodic Hann window,
/// FFTW's real forward transform, `|X[k]|²`.
///
/// MFCCs (`MFCCExtractor`) and landmark fingerprints (FingerprintCore) both frame audio through
/// this one type, so windowing and framing cannot drift apart between them. Immutable and
/// `Sendable`: each call allocates its own FFT buffers and runs the shared FFTW plan on them.
public struct PowerSpectrogram: Sendable {
    public let fftSize: Int
    public let hopLength: Int
    private let window: [Float]
    private let plan: FFTWPlans.Plan

    public init(fftSize: Int, hopLength: Int) {
        precondition(fftSize > 0 && fftSize % 2 == 0 && hopLength > 0)
        self.fftSize = fftSize
        self.hopLength = hopLength
        // scipy's periodic ("fftbins=True") Hann: 0.5 − 0.5·cos(2πi/N), computed in Double.
        window = (0..<fftSize).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(fftSize))) }
        plan = FFTWPlans.realForward(size: fftSize)
    }

    /// Bins of one frame's spectrum: `fftSize / 2 + 1`.
    public var binCount: Int { fftSize / 2 + 1 }

    /// Frames for `sampleCount` samples: frame `t` is centred on sample `t · hopLength`.
    public func frameCount(sampleCount: Int) -> Int { 1 + sampleCount / hopLength }

    /// Calls `body(t, power)` for every frame in order; `power` holds `binCount` values and is
    /// only valid during the call (the same buffer is reused for the next frame).
    public func forEachFrame(_ samples: UnsafeBufferPointer<Float>, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let n = fftSize, hop = hopLength, bins = binCount
        let frames = frameCount(sampleCount: samples.count)
        let input = fftwf_alloc_real(n)!
        let spectrum = fftwf_alloc_complex(bins)!
        let power = UnsafeMutablePointer<Float>.allocate(capacity: bins)
        defer {
            fftwf_free(input)
            fftwf_free(spectrum)
            power.deallocate()
        }
        window.withUnsafeBufferPointer { w in
            for t in 0..<frames {
                let start = t * hop - n / 2
                let lo = max(0, -start), hi = min(n, samples.count - start)
                if lo > 0 { input.update(repeating: 0, count: lo) }
                if hi < n { (input + max(hi, 0)).update(repeating: 0, count: n - max(hi, 0)) }
                if hi > lo { Self.multiply(samples.baseAddress! + start + lo, w.baseAddress! + lo, into: input + lo, count: hi - lo) }
                fftwf_execute_dft_r2c(plan.pointer, input, spectrum)
                Self.power(UnsafeRawPointer(spectrum).assumingMemoryBound(to: Float.self), into: power, bins: bins)
                body(t, power)
            }
        }
    }

    /// `out[i] = a[i] · b[i]`, 16 lanes at a time: the compiler cannot prove that the FFT input
    /// buffer does not alias the signal, so it would not vectorize the plain loop by itself.
    @inline(__always)
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
            let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: x * y, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            out[i] = a[i] * b[i]
            i += 1
        }
    }

    /// `|X[k]|²` from FFTW's interleaved (re, im) pairs, eight bins per step.
    @inline(__always)
    static func power(_ complex: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, bins: Int) {
        var k = 0
        while k + 8 <= bins {
            let v = UnsafeRawPointer(complex + 2 * k).loadUnaligned(as: SIMD16<Float>.self)
            let squares = v * v
            UnsafeMutableRawPointer(out + k).storeBytes(of: squares.evenHalf + squares.oddHalf, as: SIMD8<Float>.self)
            k += 8
        }
        while k < bins {
            out[k] = complex[2 * k] * complex[2 * k] + complex[2 * k + 1] * complex[2 * k + 1]
            k += 1
        }
    }
}
