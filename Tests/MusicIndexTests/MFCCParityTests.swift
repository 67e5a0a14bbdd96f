import AudioFeatures
import Testing

/// librosa 0.11 parity of the feature pipeline on generated signals. Tolerances are absolute, in
/// MFCC units (c0 of these signals spans roughly −600…+100); measured maxima are in
/// docs/music-index.md.
@Suite struct MFCCParityTests {
    static let fixture = try! Fixtures.json("librosa_mfcc.json")
    static let signalNames = ["chord", "noise_chirp", "short", "quiet_then_loud", "clicks"]

    @Test(arguments: signalNames)
    func mfccMatrixMatchesLibrosa(_ name: String) throws {
        let reference = try #require(Self.fixture["signals"]?.arrayValue?.first { $0["name"]?.stringValue == name })
        let y = TestSignals.named(name)
        #expect(y.count == reference["length"]!.int)
        let mfcc = try MFCCExtractor().mfcc(y)
        #expect(mfcc.frameCount == reference["frames"]!.int)
        #expect(mfcc.coefficientCount == 20)
        let difference = maxAbsDifference(mfcc.values, reference["mfcc"]!.floats)
        #expect(difference < 5e-4, "max |Δmfcc| = \(difference)")
    }

    @Test(arguments: signalNames)
    func embeddingMatchesLibrosa(_ name: String) throws {
        let reference = try #require(Self.fixture["signals"]?.arrayValue?.first { $0["name"]?.stringValue == name })
        let embedding = try MFCCExtractor().embedding(TestSignals.named(name))
        #expect(embedding.count == 40)
        let difference = maxAbsDifference(embedding, reference["embedding"]!.floats)
        #expect(difference < 2e-4, "max |Δembedding| = \(difference)")
    }

    @Test func melFilterbankMatchesLibrosaRows() throws {
        let bank = MelFilterbank(sampleRate: 22_050, fftSize: 2048, melBands: 128)
        #expect(bank.filters.count == 128)
        for row in Self.fixture["mel_rows"]!.arrayValue! {
            let filter = bank.filters[row["band"]!.int]
            #expect(filter.firstBin == row["first"]!.int)
            let expected = row["weights"]!.floats
            #expect(filter.weights.count == expected.count)
            for (a, b) in zip(filter.weights, expected) { #expect(abs(a - b) <= 1e-6 * max(abs(b), 1e-3)) }
        }
    }

    @Test func melScaleRoundTripsAndIsSlaney() {
        #expect(abs(MelFilterbank.hzToMel(1000) - 15) < 1e-12)  // linear part: 1000 / (200/3)
        #expect(abs(MelFilterbank.hzToMel(6400) - (15 + 27)) < 1e-9)  // log part: 27 mels per factor 6.4
        for hz in [0.0, 100, 999, 1000, 4321, 11_025] {
            #expect(abs(MelFilterbank.melToHz(MelFilterbank.hzToMel(hz)) - hz) < 1e-9)
        }
    }

    @Test func dctIsOrthonormal() {
        let dct = DCTMatrix(inputCount: 128, outputCount: 20)
        for a in 0..<20 {
            for b in 0..<20 {
                var dot: Float = 0
                for i in 0..<128 { dot += dct.coefficients[a * 128 + i] * dct.coefficients[b * 128 + i] }
                #expect(abs(dot - (a == b ? 1 : 0)) < 1e-5)
            }
        }
    }

    @Test func topDBFloorsQuietFramesEightyDecibelsUnderTheLoudest() throws {
        // quiet_then_loud's first second sits ~78 dB under its end: without the floor its c0
        // would be far lower than the floor allows. With it, every frame's c0 is bounded below
        // by the DCT of a constant (max − 80) row: sqrt(128)·(max − 80).
        let extractor = MFCCExtractor()
        let y = TestSignals.named("quiet_then_loud")
        let db = extractor.logMelSpectrogram(y)
        let floor = db.max()! - 80
        let mfcc = try extractor.mfcc(y)
        let c0Floor = Float(128).squareRoot() * floor
        for t in 0..<mfcc.frameCount { #expect(mfcc[frame: t, coefficient: 0] >= c0Floor - 1e-3) }
        #expect(db.min()! < floor, "the signal must exercise the floor")
    }

    @Test func refusesEmptyAndNonFiniteSignals() {
        #expect(throws: FeatureError.emptySignal) { try MFCCExtractor().mfcc([]) }
        var y = TestSignals.named("short")
        y[123] = .nan
        #expect(throws: FeatureError.nonFiniteSample(index: 123)) { try MFCCExtractor().mfcc(y) }
    }

    @Test func fftwPlansAreCreatedOnceAndSharedAcrossThreads() async throws {
        let nFFT = MFCCExtractor().settings.fftSize
        #expect(FFTWPlans.creations(size: nFFT) == 1)
        let y = TestSignals.named("noise_chirp")
        let reference = try MFCCExtractor().embedding(y)
        let results = try await withThrowingTaskGroup(of: [Float].self) { group in
            for _ in 0..<8 { group.addTask { try MFCCExtractor().embedding(y) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == reference })
        #expect(FFTWPlans.creations(size: nFFT) == 1)
    }
}
