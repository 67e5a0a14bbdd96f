/// The analysis parameters, fixed to `librosa.feature.mfcc(y=y, sr=22050, n_mfcc=20)` in librosa
/// 0.11. They are a struct rather than literals so tests and docs can name them; changing any of
/// them makes vectors incomparable with the catalog's, so the model name changes with them.
public struct MFCCSettings: Sendable, Equatable {
    public var sampleRate = 22_050
    public var fftSize = 2_048
    public var hopLength = 512
    public var melBands = 128
    public var coefficients = 20
    /// `power_to_db`'s floor (`amin`) and dynamic range (`top_db`, against the clip's global max).
    public var amin: Float = 1e-10
    public var topDB: Float = 80

    public init() {}

    public static let librosa = MFCCSettings()

    /// Frames librosa produces for `sampleCount` samples with `center=True`.
    public func frameCount(sampleCount: Int) -> Int { 1 + sampleCount / hopLength }
}
