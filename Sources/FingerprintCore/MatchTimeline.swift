/// Which catalog tracks a long recording contains, and when: the matches of overlapping
/// windows merged into segments (`wavedefect recognize --all`).
///
/// A track playing continuously keeps `recording frame − track frame` constant, so window
/// matches of one track whose alignments agree within `alignmentTolerance` frames, and that
/// are no more than `maxGap` frames apart, are one segment. A match of the same track that
/// starts inside its last segment extends it whatever its alignment: music that repeats a bar
/// lets a window's tail align with an earlier bar, and one track cannot play twice at once.
/// The segment runs from the first to the last aligned query hash of its windows, in
/// recording frames.
public struct MatchTimeline: Sendable {
    public struct Segment: Sendable, Equatable {
        public var id: Int64
        public var startFrame: Int
        public var endFrame: Int
        /// Where in the track the segment starts, in frames.
        public var trackStartFrame: Double
        /// The best significance among its windows, and how many windows matched.
        public var significance: Double
        public var windows: Int
        /// `recording frame − track frame`, from its first window.
        var alignment: Double
    }

    public var alignmentTolerance: Double
    public var maxGap: Int
    public private(set) var segments: [Segment] = []

    public init(alignmentTolerance: Double = 43, maxGap: Int) {
        self.alignmentTolerance = alignmentTolerance
        self.maxGap = maxGap
    }

    /// Adds the match of the window that starts at recording frame `windowStart`. Windows
    /// must come in recording order.
    public mutating func add(windowStart: Int, match: FingerprintCandidate) {
        let alignment = Double(windowStart) - match.offsetFrames
        let start = windowStart + match.queryFirstFrame, end = windowStart + match.queryLastFrame
        if let s = segments.lastIndex(where: { $0.id == match.id }),
            (abs(segments[s].alignment - alignment) <= alignmentTolerance && start - segments[s].endFrame <= maxGap)
                || (s == segments.count - 1 && start <= segments[s].endFrame)
        {
            segments[s].startFrame = min(segments[s].startFrame, start)
            segments[s].endFrame = max(segments[s].endFrame, end)
            segments[s].trackStartFrame = Double(segments[s].startFrame) - segments[s].alignment
            segments[s].significance = max(segments[s].significance, match.significance)
            segments[s].windows += 1
            return
        }
        segments.append(
            Segment(
                id: match.id, startFrame: start, endFrame: end, trackStartFrame: Double(start) - alignment,
                significance: match.significance, windows: 1, alignment: alignment))
    }
}
