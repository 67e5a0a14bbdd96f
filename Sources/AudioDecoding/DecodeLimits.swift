/// Bounds that keep one decode from taking unbounded time or memory.
///
/// Audio reaches the decoder from users (uploads, room streams, catalog folders), so every input
/// is untrusted: a pipe that never ends, a header claiming hours of audio, or a file of garbage
/// must all stop at a known cost.
public struct DecodeLimits: Sendable, Equatable {
    /// Audio after this many seconds of the source is not decoded; the result is flagged
    /// `reachedDurationCap`. Default 15 minutes.
    public var maxDuration: Double
    /// Inputs larger than this are refused before decoding. Default 1 GiB.
    public var maxInputBytes: Int
    /// Packets the codec rejects are skipped; after this many the input is declared corrupt.
    public var maxCorruptPackets: Int

    public init(maxDuration: Double = 15 * 60, maxInputBytes: Int = 1 << 30, maxCorruptPackets: Int = 64) {
        self.maxDuration = maxDuration
        self.maxInputBytes = maxInputBytes
        self.maxCorruptPackets = maxCorruptPackets
    }

    public static let `default` = DecodeLimits()
}
