/// What to do with a frame for a subscriber, given how many bytes it has not yet taken.
/// Lossy messages are dropped first; a reliable message that would push the backlog over
/// the limit disconnects the subscriber, so a slow client never stalls the room nor grows
/// the server's memory without bound.
///
/// Per-subscriber limits alone do not bound the server: 6,000 clients that never read, each
/// under its own 4 MiB, hold 24 GB between them. So there is also a server-wide budget for
/// everything queued on every connection; while the server is over it, each subscriber's
/// allowance falls from `maxBufferedBytes` to `lossyDropBytes`, which cuts off the ones
/// that are behind and leaves those that keep up alone.
public struct BackpressurePolicy: Sendable, Equatable {
    /// Backlog above which lossy frames are dropped.
    public var lossyDropBytes: Int
    /// Backlog a reliable frame may not push the subscriber beyond.
    public var maxBufferedBytes: Int
    /// Bytes queued on all connections together above which the server is under pressure.
    public var maxQueuedOutputBytes: Int

    public init(lossyDropBytes: Int, maxBufferedBytes: Int, maxQueuedOutputBytes: Int = .max) {
        self.lossyDropBytes = lossyDropBytes
        self.maxBufferedBytes = maxBufferedBytes
        self.maxQueuedOutputBytes = maxQueuedOutputBytes
    }

    public enum Decision: Sendable, Equatable {
        case write
        case drop
        case disconnect
    }

    /// `buffered`: the subscriber's unsent bytes; `serverQueued`: every connection's together.
    @inline(__always)
    public func decide(buffered: Int, frameSize: Int, lossy: Bool, serverQueued: Int = 0) -> Decision {
        let allowance = isUnderPressure(serverQueued: serverQueued, frameSize: frameSize) ? lossyDropBytes : maxBufferedBytes
        if lossy {
            return buffered > lossyDropBytes || buffered + frameSize > allowance ? .drop : .write
        }
        return buffered + frameSize > allowance ? .disconnect : .write
    }

    /// Whether queueing `frameSize` more bytes would take the server over its budget.
    @inline(__always)
    public func isUnderPressure(serverQueued: Int, frameSize: Int) -> Bool {
        serverQueued > maxQueuedOutputBytes - frameSize
    }
}
