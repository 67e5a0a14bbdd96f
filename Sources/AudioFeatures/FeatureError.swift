/// Why features could not be computed from a signal.
public struct FeatureError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case emptySignal, nonFiniteSample
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Zero samples: librosa itself refuses an empty buffer.
    public static let emptySignal = FeatureError(.emptySignal, "cannot compute MFCC of an empty signal")
    /// A NaN or infinity at this sample index (librosa's `valid_audio` refuses these too).
    public static func nonFiniteSample(index: Int) -> FeatureError {
        .init(.nonFiniteSample, "audio contains a non-finite sample at index \(index)")
    }

    public var description: String { message }
}
