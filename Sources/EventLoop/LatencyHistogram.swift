/// A log-linear histogram of durations in nanoseconds (8 sub-buckets per power of two, so
/// any reported percentile is within 12.5% of the truth), cheap enough to update for every
/// written message.
public struct LatencyHistogram: Sendable {
    static let subBuckets = 8
    private var counts = [UInt64](repeating: 0, count: 64 * 8)
    public private(set) var count: UInt64 = 0
    public private(set) var sum: UInt64 = 0
    public private(set) var max: UInt64 = 0

    public init() {}

    @inline(__always)
    static func index(_ value: UInt64) -> Int {
        guard value >= 8 else { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount  // >= 3
        let mantissa = Int((value >> UInt64(exponent - 3)) & 7)
        return (exponent - 2) * subBuckets + mantissa
    }

    /// The smallest value of a bucket.
    static func lowerBound(_ index: Int) -> UInt64 {
        if index < 8 { return UInt64(index) }
        let exponent = index / subBuckets + 2
        let mantissa = UInt64(index % subBuckets)
        return (8 + mantissa) << UInt64(exponent - 3)
    }

    @inline(__always)
    public mutating func record(_ nanoseconds: UInt64) {
        record(nanoseconds, count: 1)
    }

    /// `n` samples of the same duration (a batch of writes that waited together).
    @inline(__always)
    public mutating func record(_ nanoseconds: UInt64, count n: UInt64) {
        guard n > 0 else { return }
        counts[Self.index(nanoseconds)] += n
        count += n
        sum &+= nanoseconds &* n
        if nanoseconds > max { max = nanoseconds }
    }

    /// The value at quantile `q` (0…1): the upper end of the bucket holding it.
    public func percentile(_ q: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = UInt64((Double(count) * q).rounded(.up))
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= Swift.max(rank, 1) { return Swift.min(Self.lowerBound(i + 1) - 1, max) }
        }
        return max
    }

    /// Cumulative counts at the given bounds, for Prometheus `_bucket` lines.
    public func cumulativeCount(atMost bound: UInt64) -> UInt64 {
        var total: UInt64 = 0
        for (i, c) in counts.enumerated() where c > 0 && Self.lowerBound(i + 1) - 1 <= bound {
            total += c
        }
        return total
    }

    /// Adds `other`'s samples: histograms recorded in several processes give one distribution
    /// (percentiles of percentiles would not).
    public mutating func merge(_ other: LatencyHistogram) {
        for (i, c) in other.counts.enumerated() where c > 0 { counts[i] += c }
        count += other.count
        sum &+= other.sum
        if other.max > max { max = other.max }
    }

    /// One line of text (`max sum index:count …`, non-empty buckets only) that `init(encoded:)`
    /// reads back: how a child process hands its histogram to its parent.
    public var encoded: String {
        var parts = ["\(max)", "\(sum)"]
        for (i, c) in counts.enumerated() where c > 0 { parts.append("\(i):\(c)") }
        return parts.joined(separator: " ")
    }

    public init?(encoded: some StringProtocol) {
        let parts = encoded.split(separator: " ")
        guard parts.count >= 2, let max = UInt64(parts[0]), let sum = UInt64(parts[1]) else { return nil }
        self.max = max
        self.sum = sum
        for part in parts.dropFirst(2) {
            let pair = part.split(separator: ":")
            guard pair.count == 2, let i = Int(pair[0]), let c = UInt64(pair[1]), counts.indices.contains(i) else { return nil }
            counts[i] += c
            count += c
        }
    }

    public mutating func reset() {
        self = LatencyHistogram()
    }
}
