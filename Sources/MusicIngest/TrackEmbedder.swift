import AudioDecoding
import AudioFeatures
import MusicIndex

/// The vector of one piece of audio and what was measured on the way.
public struct AudioEmbedding: Sendable {
    /// 20 MFCC means followed by 20 MFCC population standard deviations.
    public var vector: [Float]
    /// Seconds of audio that were analysed (after any duration cap).
    public var duration: Double
    public var sampleRate: Int
    /// True when the input was longer than the decoder's duration cap and only a prefix counts.
    public var truncated: Bool
}

/// Decode → mono 22,050 Hz → MFCC → 40-D embedding, from a file or from bytes in memory.
///
/// A `Sendable` value: the server and the ingest workers share one and call it concurrently.
public struct TrackEmbedder: Sendable {
    /// The catalog's name for vectors made by this pipeline; vectors of other models (imported
    /// with `import-vectors`) live beside them under their own names.
    public static let modelName = BuiltInEmbedding.modelName
    public static let dimension = BuiltInEmbedding.dimension

    public var decoder: AudioDecoder
    public let extractor: MFCCExtractor

    public init(limits: DecodeLimits = .default) {
        decoder = AudioDecoder(limits: limits)
        extractor = MFCCExtractor()
    }

    public func embed(file path: String) throws -> AudioEmbedding {
        try embed(decoder.decode(file: path))
    }

    public func embed(bytes: [UInt8]) throws -> AudioEmbedding {
        try embed(decoder.decode(bytes: bytes))
    }

    public func embed(_ audio: DecodedAudio) throws -> AudioEmbedding {
        let vector = try extractor.embedding(audio.samples)
        return AudioEmbedding(
            vector: vector, duration: audio.duration, sampleRate: audio.sampleRate, truncated: audio.stoppedAtLimit)
    }
}
