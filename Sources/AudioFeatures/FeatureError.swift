/// Why features could not be computed from a signal.
public enum FeatureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Zero samples: librosa itself refuses an empty buffer.
    case emptySignal
    /// A NaN or infinity at this sample index (librosa's `valid_audio` refuses these too).
    case nonFiniteSample(index: Int)

    public var description: String {
        switch self {
        case .emptySignal: return "cannot compute MFCC of an empty signal"
        case .nonFiniteSample(let i): return "audio contains a non-finite sample at index \(i)"
        }
    }
}
