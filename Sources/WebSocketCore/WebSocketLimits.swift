/// Size limits of incoming frames and messages. Both default to 1 MiB; each is checked as
/// soon as a frame's length header arrives, the message limit against the running total of
/// the fragments received so far.
///
/// Stored as 32-bit values (at most 4 GiB − 1, far beyond any sane limit) because every
/// connection's decoder carries a copy.
public struct WebSocketLimits: Sendable, Equatable {
    private var frame: UInt32
    private var message: UInt32

    public var maxFrameSize: Int {
        get { Int(frame) }
        set { frame = UInt32(clamping: newValue) }
    }

    public var maxMessageSize: Int {
        get { Int(message) }
        set { message = UInt32(clamping: newValue) }
    }

    public init(maxFrameSize: Int = 1 << 20, maxMessageSize: Int = 1 << 20) {
        frame = UInt32(clamping: maxFrameSize)
        message = UInt32(clamping: maxMessageSize)
    }
}

/// Which side of the connection the decoder runs on: a server requires masked frames, a
/// client refuses them.
public enum WebSocketRole: Sendable {
    case server
    case client
}
