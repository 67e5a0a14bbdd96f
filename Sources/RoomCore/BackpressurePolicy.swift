/// What to do with a frame for a subscriber, given how many bytes it has not yet taken.
/// Lossy messages are dropped first; a reliable message that would push the backlog over
/// the limit disconnects the subscriber, so a slow client never stalls the room nor grows
/// the server's memory without bound.
public struct BackpressurePolicy: Sendable, Equatable {
    /// Backlog above which lossy frames are dropped.
    public var lossyDropBytes: Int
    /// Backlog a reliable frame may not push the subscriber beyond.
    public var maxBufferedBytes: Int

    public init(lossyDropBytes: Int, maxBufferedBytes: Int) {
        self.lossyDropBytes = lossyDropBytes
        self.maxBufferedBytes = maxBufferedBytes
    }

    public enum Decision: Sendable, Equatable {
        case write
        case drop
        case disconnect
    }

    @inline(__always)
    public func decide(buffered: Int, frameSize: Int, lossy: Bool) -> Decision {
        if lossy {
            return buffered > lossyDropBytes || buffered + frameSize > maxBufferedBytes ? .drop : .write
        }
        return buffered + frameSize > maxBufferedBytes ? .disconnect : .write
    }
}
