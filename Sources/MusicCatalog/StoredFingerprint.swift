/// A track's landmark fingerprint as the catalog stores it: packed landmarks
/// (`hash << 32 | frame`, see FingerprintCore's `Landmark.packed`) under the scheme that made
/// them, and the track's length in frames.
public struct StoredFingerprint: Sendable, Equatable {
    public var trackID: Int64
    public var scheme: String
    public var frameCount: Int
    public var landmarks: [UInt64]

    public init(trackID: Int64 = 0, scheme: String, frameCount: Int, landmarks: [UInt64]) {
        self.trackID = trackID
        self.scheme = scheme
        self.frameCount = frameCount
        self.landmarks = landmarks
    }
}
