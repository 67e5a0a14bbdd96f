/// The analysis and hashing parameters of the landmark fingerprinter. Changing any of the
/// analysis or hashing fields makes stored fingerprints incomparable with new ones, so
/// `scheme` (the name stored beside every track's landmarks) changes with them.
///
/// The values, and why (docs/recognition.md has the measurements behind them):
public struct FingerprintSettings: Sendable, Equatable {
    /// Name of this parameter set in the catalog: tracks fingerprinted under another scheme
    /// are not searched and `wavedefect fingerprint` recomputes them.
    public var scheme = "landmark-v1"
    /// The decoder's rate, so ingest fingerprints the very samples it embeds (one decode).
    public var sampleRate = 22_050
    /// 1,024 points at 22,050 Hz: 21.5 Hz bins, a 46 ms window. Long enough to resolve the
    /// partials of one note, short enough that onsets stay sharp.
    public var fftSize = 1_024
    /// 256 samples (11.6 ms) per frame: the time unit of landmarks and offsets. Half of
    /// audfprint's 23.2 ms, so offsets come out twice as precise and a query that starts
    /// between two reference frames still lands its peaks within one frame.
    public var hopLength = 256
    /// Bins 3…258 (65 Hz – 5.5 kHz): below, room rumble and handling noise of a phone; above,
    /// what a 64 kbit/s MP3 and a small loudspeaker drop first. 256 bins fit the hash's 8 bits.
    public var minBin = 3
    public var binCount = 256
    /// A peak is the largest value within ±`peakFrequencyRadius` bins (±172 Hz) and
    /// ±`peakTimeRadius` frames (±46 ms): one peak per partial and onset, not its sidelobes.
    public var peakFrequencyRadius = 8
    public var peakTimeRadius = 4
    /// A peak must stand this many dB above the mean of its frame within ±`backgroundRadius`
    /// bins: a tone above its local background, which noise and a mic's colouring leave in
    /// place, rather than a loud band.
    public var minProminence: Float = 6
    public var backgroundRadius = 24
    /// Peaks below this power (dB, full-scale sine ≈ 48 dB) are silence or dither.
    public var floorDB: Float = -40
    /// At most `peaksPerBlock` peaks, the most prominent, per block of `blockFrames` frames
    /// (≈ 0.5 s): about 30 peaks a second whatever the loudness, so a quiet passage is as
    /// findable as a loud one and a dense mix does not flood the index.
    public var blockFrames = 43
    public var peaksPerBlock = 15
    /// Each peak (the anchor) is paired with the next `fanout` peaks that start 1…63 frames
    /// (up to 0.73 s) later within ±63 bins (±1.35 kHz): the target zone of Wang (2003).
    public var fanout = 5
    public var maxTimeDelta = 63
    public var maxFrequencyDelta = 63

    public init() {}

    public static let standard = FingerprintSettings()

    /// Seconds per frame: the unit of landmark times and match offsets.
    public var frameSeconds: Double { Double(hopLength) / Double(sampleRate) }
}
