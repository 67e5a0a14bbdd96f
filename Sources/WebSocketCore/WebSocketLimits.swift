/// Size limits of incoming frames and messages. Both default to 1 MiB; each is checked as
/// soon as a frame's length header arrives, the message limit against the running total of
/// the fragments received so far.
public struct WebSocketLimits: Sendable, Equatable {
    public var maxFrameSize: Int
    public var maxMessageSize: Int

    public init(maxFrameSize: Int = 1 << 20, maxMessageSize: Int = 1 << 20) {
        self.maxFrameSize = maxFrameSize
        self.maxMessageSize = maxMessageSize
    }
}

/// Which side of the connection the decoder runs on: a server requires masked frames, a
/// client refuses them.
public enum WebSocketRole: Sendable {
    case server
    case client
}
