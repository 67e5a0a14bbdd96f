/// Why audio could not be decoded. One struct with a private code, so new cases do not break
/// callers that switch on it; compare against the static members.
public struct AudioDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case cannotOpen
        case tooLarge
        case empty
        case noAudioStream
        case unsupportedCodec
        case corrupt
        case noSamples
        case formatChangedMidStream
        case resampler
    }

    private let code: Code
    /// Human-readable detail: the FFmpeg message, the path, the limit that was hit.
    public let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// The input could not be opened or is not a container FFmpeg recognises.
    public static let cannotOpen = Self(.cannotOpen, "")
    /// The input is larger than `DecodeLimits.maxInputBytes`.
    public static let tooLarge = Self(.tooLarge, "")
    /// The input has zero bytes.
    public static let empty = Self(.empty, "")
    /// The container holds no audio stream (a video-only file, an image, a text file).
    public static let noAudioStream = Self(.noAudioStream, "")
    /// The audio stream's codec has no decoder in this FFmpeg build.
    public static let unsupportedCodec = Self(.unsupportedCodec, "")
    /// More packets failed to decode than `DecodeLimits.maxCorruptPackets` allows.
    public static let corrupt = Self(.corrupt, "")
    /// Decoding finished without producing a single sample.
    public static let noSamples = Self(.noSamples, "")
    /// The stream changed sample rate or channel count part-way; such files are refused rather
    /// than resampled inconsistently.
    public static let formatChangedMidStream = Self(.formatChangedMidStream, "")
    /// swresample refused the conversion.
    public static let resampler = Self(.resampler, "")

    static func cannotOpen(_ d: String) -> Self { Self(.cannotOpen, d) }
    static func tooLarge(_ d: String) -> Self { Self(.tooLarge, d) }
    static func empty(_ d: String) -> Self { Self(.empty, d) }
    static func noAudioStream(_ d: String) -> Self { Self(.noAudioStream, d) }
    static func unsupportedCodec(_ d: String) -> Self { Self(.unsupportedCodec, d) }
    static func corrupt(_ d: String) -> Self { Self(.corrupt, d) }
    static func noSamples(_ d: String) -> Self { Self(.noSamples, d) }
    static func formatChanged(_ d: String) -> Self { Self(.formatChangedMidStream, d) }
    static func resampler(_ d: String) -> Self { Self(.resampler, d) }

    public var description: String {
        let what: String
        switch code {
        case .cannotOpen: what = "cannot open input as audio"
        case .tooLarge: what = "input too large"
        case .empty: what = "input is empty"
        case .noAudioStream: what = "no audio stream"
        case .unsupportedCodec: what = "unsupported codec"
        case .corrupt: what = "corrupt audio"
        case .noSamples: what = "no audio samples decoded"
        case .formatChangedMidStream: what = "sample rate or channel count changed mid-stream"
        case .resampler: what = "resampler error"
        }
        return detail.isEmpty ? what : "\(what): \(detail)"
    }
}
