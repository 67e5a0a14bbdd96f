/// Whether two catalog tracks are the same recording (a re-release, a remaster, a re-encode),
/// judged by their fingerprints: the rule near-duplicate collapse in search uses
/// (docs/recognition.md#same-recording).
///
/// Two copies of one recording share most of their landmarks at one constant time offset
/// (whatever silence or intro one copy adds); two different songs — even in one key, tempo
/// and sound — share a few landmarks scattered over many offsets. So: every landmark of the
/// shorter track votes for `frame in the longer − frame in the shorter` through the hashes
/// they share, and the best offset window (±`offsetTolerance` frames) counts the distinct
/// anchor frames of the shorter track that agree. The pair is the same recording when that
/// count is at least `minFraction` of the shorter track's anchor frames and is significant
/// under the chance model of a query (`ChanceModel`, one track).
public struct RecordingAgreement: Sendable, Equatable {
    /// Distinct anchor frames of the shorter track that agree at the best offset.
    public var alignedFrames: Int
    /// Distinct anchor frames of the shorter track.
    public var anchorFrames: Int
    /// `frame in b − frame in a` at the best offset.
    public var offsetFrames: Int
    /// −log10 of the chance bound for `alignedFrames` (`ChanceModel`).
    public var significance: Double

    /// The share of the shorter track's anchor frames that agree.
    public var fraction: Double { anchorFrames == 0 ? 0 : Double(alignedFrames) / Double(anchorFrames) }

    /// What makes two tracks one recording. Measured on the demo catalog (4 variants of 12
    /// styles, 8 s each, docs/recognition.md#same-recording): an MP3 re-encode at 96 kbit/s
    /// keeps 88 % of its anchor frames aligned, two different songs of one style at most 29 %
    /// (two house tracks: the same synthesized drum kit at the same tempo, 20 %). 0.5 sits
    /// between. The significance keeps a track of a handful of landmarks (a sparse piano
    /// line) from agreeing with anything on one or two of them.
    public struct Rule: Sendable, Equatable {
        public var minFraction = 0.5
        public var minSignificance = 10.0
        public var offsetTolerance = 1

        public init() {}

        public static let standard = Rule()

        public func accepts(_ a: RecordingAgreement) -> Bool {
            a.fraction >= minFraction && a.significance >= minSignificance
        }
    }

    /// Compares two tracks' landmarks (`frameCount`s: their lengths in frames).
    public static func compare(
        _ a: [Landmark], frameCount aFrames: Int, _ b: [Landmark], frameCount bFrames: Int, rule: Rule = .standard
    ) -> RecordingAgreement {
        // Votes come from the shorter track's anchors, so the fraction asks "how much of the
        // shorter one is in the longer one" (an edit or a radio cut of a longer release).
        let swap = aFrames > bFrames
        let (short, long) = swap ? (b, a) : (a, b)
        let (shortFrames, longFrames) = swap ? (bFrames, aFrames) : (aFrames, bFrames)
        var byHash: [UInt32: [UInt32]] = [:]
        byHash.reserveCapacity(long.count)
        for l in long { byHash[l.hash, default: []].append(l.time) }
        // Votes packed as offset + bias (high 32 bits) · short frame (low 32); chance per
        // short frame as in `FingerprintIndex.query`.
        let bias = Int64(1) << 31
        var votes: [UInt64] = []
        var chanceByFrame: [UInt32: Double] = [:]
        let alignments = Double(max(1, shortFrames + longFrames))
        var anchors = Set<UInt32>()
        for l in short {
            anchors.insert(l.time)
            guard let times = byHash[l.hash] else { continue }
            chanceByFrame[l.time, default: 0] += Double(times.count) / alignments
            for t in times {
                votes.append(UInt64(Int64(t) - Int64(l.time) + bias) << 32 | UInt64(l.time))
            }
        }
        votes.sort()
        // Distinct short frames per offset, then the best window of ±tolerance offsets.
        var bins: [(offset: Int, frames: [UInt32])] = []
        var v = 0
        while v < votes.count {
            let key = votes[v] >> 32
            var frames: [UInt32] = []
            while v < votes.count, votes[v] >> 32 == key {
                let f = UInt32(truncatingIfNeeded: votes[v])
                if frames.last != f { frames.append(f) }
                v += 1
            }
            bins.append((Int(Int64(key) - bias), frames))
        }
        let w = rule.offsetTolerance
        var best = (count: 0, offset: 0)
        var lo = 0
        for (i, bin) in bins.enumerated() {
            while bins[lo].offset < bin.offset - 2 * w { lo += 1 }
            // Window [bin.offset − 2w, bin.offset]: 2w + 1 offsets ending here; its offset is
            // its fullest bin.
            var window = Set<UInt32>()
            for b in bins[lo...i] { window.formUnion(b.frames) }
            if window.count > best.count {
                best = (window.count, bins[lo...i].max { $0.frames.count < $1.frames.count }!.offset)
            }
        }
        let expected = chanceByFrame.values.reduce(0) { $0 + min(1, $1) } * Double(2 * w + 1)
        let significance = ChanceModel.significance(aligned: best.count, expected: expected, windows: shortFrames + longFrames, tracks: 1)
        return RecordingAgreement(
            alignedFrames: best.count, anchorFrames: anchors.count, offsetFrames: swap ? -best.offset : best.offset,
            significance: significance)
    }
}
