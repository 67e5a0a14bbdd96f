import CFFTW
import Foundation

/// librosa 0.11's `mfcc(y, sr=22050, n_mfcc=20)` on FFTW: periodic Hann window, centred frames
/// with zero padding, power spectrum, Slaney mel filterbank, `power_to_db` with an 80 dB floor
/// under the clip's maximum, orthonormal DCT-II.
///
/// Immutable and `Sendable`: one extractor serves every thread, each call allocates its own
/// FFT buffers and runs the shared FFTW plan on them.
public struct MFCCExtractor: Sendable {
    public let settings: MFCCSettings
    private let window: [Float]
    private let melFilterbank: MelFilterbank
    private let dct: DCTMatrix
    private let plan: FFTWPlans.Plan

    public init(settings: MFCCSettings = .librosa) {
        self.settings = settings
        let n = settings.fftSize
        // scipy's periodic ("fftbins=True") Hann: 0.5 − 0.5·cos(2πi/N), computed in Double.
        window = (0..<n).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n))) }
        melFilterbank = MelFilterbank(sampleRate: settings.sampleRate, fftSize: n, melBands: settings.melBands)
        dct = DCTMatrix(inputCount: settings.melBands, outputCount: settings.coefficients)
        plan = FFTWPlans.realForward(size: n)
    }

    /// The 40-D embedding of `samples` (mono, at `settings.sampleRate`).
    public func embedding(_ samples: [Float]) throws(FeatureError) -> [Float] {
        try mfcc(samples).meanAndStandardDeviation()
    }

    public func mfcc(_ samples: [Float]) throws(FeatureError) -> MFCCMatrix {
        guard !samples.isEmpty else { throw .emptySignal }
        if let bad = Self.firstNonFinite(samples) { throw .nonFiniteSample(index: bad) }
        let melDB = logMelSpectrogram(samples)
        let frames = melDB.count / settings.melBands
        // power_to_db's top_db: nothing may sit more than 80 dB under the clip's loudest band.
        let floor = (melDB.max() ?? 0) - settings.topDB
        let bands = settings.melBands, coefficients = settings.coefficients
        var values = [Float](repeating: 0, count: frames * coefficients)
        var clipped = [Float](repeating: 0, count: bands)
        melDB.withUnsafeBufferPointer { db in
            values.withUnsafeMutableBufferPointer { out in
                clipped.withUnsafeMutableBufferPointer { row in
                    for t in 0..<frames {
                        for m in 0..<bands { row[m] = max(db[t * bands + m], floor) }
                        dct.apply(row.baseAddress!, into: out.baseAddress! + t * coefficients)
                    }
                }
            }
        }
        return MFCCMatrix(frameCount: frames, coefficientCount: coefficients, values: values)
    }

    /// Index of the first NaN or infinity. `x − x` is 0 for every finite x and NaN otherwise,
    /// so a vector sum of it tells in one pass whether a slower search is needed at all.
    static func firstNonFinite(_ samples: [Float]) -> Int? {
        let clean = samples.withUnsafeBufferPointer { y -> Bool in
            var acc = SIMD16<Float>()
            var i = 0
            while i + 16 <= y.count {
                let v = UnsafeRawPointer(y.baseAddress! + i).loadUnaligned(as: SIMD16<Float>.self)
                acc += v - v
                i += 16
            }
            var tail: Float = 0
            while i < y.count {
                tail += y[i] - y[i]
                i += 1
            }
            return !(acc.sum() + tail).isNaN
        }
        return clean ? nil : samples.firstIndex { !$0.isFinite }
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

    /// `10·log10(max(amin, mel power))` per frame and band, frame-major, before the top_db floor.
    public func logMelSpectrogram(_ samples: [Float]) -> [Float] {
        let n = settings.fftSize, hop = settings.hopLength, bands = settings.melBands
        let frames = settings.frameCount(sampleCount: samples.count)
        let bins = n / 2 + 1
        let input = fftwf_alloc_real(n)!
        let spectrum = fftwf_alloc_complex(bins)!
        defer {
            fftwf_free(input)
            fftwf_free(spectrum)
        }
        var power = [Float](repeating: 0, count: bins)
        var melDB = [Float](repeating: 0, count: frames * bands)
        // 10·log10(x) = (10 / ln 10)·ln(x): glibc's logf is several times faster than log10f and
        // differs by at most an ulp.
        let dbPerNeper = Float(10 / M_LN10)
        let amin = settings.amin
        samples.withUnsafeBufferPointer { y in
            window.withUnsafeBufferPointer { w in
                power.withUnsafeMutableBufferPointer { p in
                    melDB.withUnsafeMutableBufferPointer { out in
                        for t in 0..<frames {
                            // center=True: the signal is padded with n/2 zeros on both sides.
                            let start = t * hop - n / 2
                            let lo = max(0, -start), hi = min(n, y.count - start)
                            if lo > 0 { input.update(repeating: 0, count: lo) }
                            if hi < n { (input + max(hi, 0)).update(repeating: 0, count: n - max(hi, 0)) }
                            if hi > lo { Self.multiply(y.baseAddress! + start + lo, w.baseAddress! + lo, into: input + lo, count: hi - lo) }
                            fftwf_execute_dft_r2c(plan.pointer, input, spectrum)
                            Self.power(UnsafeRawPointer(spectrum).assumingMemoryBound(to: Float.self), into: p.baseAddress!, bins: bins)
                            let row = out.baseAddress! + t * bands
                            melFilterbank.apply(power: p.baseAddress!, into: row)
                            for m in 0..<bands { row[m] = dbPerNeper * logf(max(amin, row[m])) }
                        }
                    }
                }
            }
        }
        return melDB
    }
}
