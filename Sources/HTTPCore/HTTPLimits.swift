/// Size limits of the request parser; each is configurable from the command line.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line (method, target, version).
    public var maxRequestLineBytes: Int
    /// Request line plus all header lines.
    public var maxHeadBytes: Int
    public var maxHeaderCount: Int
    public var maxBodyBytes: Int

    public init(maxRequestLineBytes: Int = 8 * 1024, maxHeadBytes: Int = 16 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 1 << 20) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
