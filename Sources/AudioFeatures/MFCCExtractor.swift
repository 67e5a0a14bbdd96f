import Foundation

/// librosa 0.11's `mfcc(y, sr=22050, n_mfcc=20)` on FFTW: the power spectrum of centred, Hann-
/// windowed frames (`PowerSpectrogram`), Slaney mel filterbank, `power_to_db` with an 80 dB floor
/// under the clip's maximum, orthonormal DCT-II.
///
/// Immutable and `Sendable`: one extractor serves every thread, each call allocates its own
/// FFT buffers and runs the shared FFTW plan on them.
public struct MFCCExtractor: Sendable {
    public let settings: MFCCSettings
    private let spectrogram: PowerSpectrogram
    private let melFilterbank: MelFilterbank
    private let dct: DCTMatrix

    public init(settings: MFCCSettings = .librosa) {
        self.settings = settings
        let n = settings.fftSize
        spectrogram = PowerSpectrogram(fftSize: n, hopLength: settings.hopLength)
        melFilterbank = MelFilterbank(sampleRate: settings.sampleRate, fftSize: n, melBands: settings.melBands)
        dct = DCTMatrix(inputCount: settings.melBands, outputCount: settings.coefficients)
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

    /// `10·log10(max(amin, mel power))` per frame and band, frame-major, before the top_db floor.
    public func logMelSpectrogram(_ samples: [Float]) -> [Float] {
        let bands = settings.melBands
        var melDB = [Float](repeating: 0, count: spectrogram.frameCount(sampleCount: samples.count) * bands)
        // 10·log10(x) = (10 / ln 10)·ln(x): glibc's logf is several times faster than log10f and
        // differs by at most an ulp.
        let dbPerNeper = Float(10 / M_LN10)
        let amin = settings.amin
        samples.withUnsafeBufferPointer { y in
            melDB.withUnsafeMutableBufferPointer { out in
                spectrogram.forEachFrame(y) { t, power in
                    let row = out.baseAddress! + t * bands
                    melFilterbank.apply(power: power, into: row)
                    for m in 0..<bands { row[m] = dbPerNeper * logf(max(amin, row[m])) }
                }
            }
        }
        return melDB
    }
}
