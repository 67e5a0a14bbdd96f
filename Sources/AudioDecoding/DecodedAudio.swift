/// Mono float32 audio at `sampleRate`, as `librosa.load(path)` would return it.
public struct DecodedAudio: Sendable {
    public var samples: [Float]
    public var sampleRate: Int
    /// The source's own rate and channel count, before mixing and resampling.
    public var sourceSampleRate: Int
    public var sourceChannels: Int
    /// FFmpeg's short name of the decoder used ("mp3float", "aac", "flac", ...).
    public var codec: String
    /// True when decoding stopped at a limit (`maxDuration`, or `maxInputBytes` on a stream of
    /// unknown length) rather than at the end of the input: the samples are a prefix.
    public var stoppedAtLimit: Bool
    /// Packets skipped because the codec rejected them.
    public var skippedPackets: Int
    /// Container and stream tags with lower-cased keys ("title", "artist", "album", ...).
    public var tags: [String: String] = [:]

    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}
