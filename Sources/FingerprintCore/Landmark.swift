/// A spectral peak: frame `time`, bin `bin` (counted from `FingerprintSettings.minBin`).
public struct Peak: Sendable, Equatable, Hashable {
    public var time: Int
    public var bin: Int
    /// dB above the local background (what ranks peaks against each other).
    public var prominence: Float

    public init(time: Int, bin: Int, prominence: Float = 0) {
        self.time = time
        self.bin = bin
        self.prominence = prominence
    }

    public static func == (a: Peak, b: Peak) -> Bool { a.time == b.time && a.bin == b.bin }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(time)
        hasher.combine(bin)
    }
}

/// A pair of peaks reduced to a 21-bit hash and the anchor's frame: the unit stored and
/// searched. Packed into one `UInt64` (hash in the high 32 bits, frame in the low 32), which
/// is also the catalog's storage format.
///
/// Hash bits: `f1` (8) · `df + 64` (7) · `dt` (6). Absolute frequency of the anchor, the
/// frequency step and the time step survive gain, noise and re-encoding; the absolute time
/// does not enter the hash, which is what lets a query match anywhere in a track.
public struct Landmark: Sendable, Equatable, Hashable, Comparable {
    public static let hashBits = 21
    public static let hashCount = 1 << hashBits

    public var hash: UInt32
    public var time: UInt32

    public init(hash: UInt32, time: UInt32) {
        self.hash = hash
        self.time = time
    }

    /// The landmark of anchor `(t1, f1)` and target `(t2, f2)`, or nil when the pair is
    /// outside the hashable zone (`0 < dt < 64`, `|df| < 64`, `f1 < 256`).
    public init?(anchor: Peak, target: Peak) {
        let dt = target.time - anchor.time, df = target.bin - anchor.bin
        guard (1...63).contains(dt), (-64...63).contains(df), (0..<256).contains(anchor.bin), anchor.time >= 0 else { return nil }
        hash = Self.hash(anchorBin: anchor.bin, binDelta: df, timeDelta: dt)
        time = UInt32(anchor.time)
    }

    public static func hash(anchorBin: Int, binDelta: Int, timeDelta: Int) -> UInt32 {
        UInt32(anchorBin) << 13 | UInt32(binDelta + 64) << 6 | UInt32(timeDelta)
    }

    /// `(anchorBin, binDelta, timeDelta)` of a hash.
    public static func unpack(_ hash: UInt32) -> (anchorBin: Int, binDelta: Int, timeDelta: Int) {
        (Int(hash >> 13), Int((hash >> 6) & 0x7F) - 64, Int(hash & 0x3F))
    }

    public var packed: UInt64 { UInt64(hash) << 32 | UInt64(time) }

    public init(packed: UInt64) {
        hash = UInt32(truncatingIfNeeded: packed >> 32)
        time = UInt32(truncatingIfNeeded: packed)
    }

    public static func < (a: Landmark, b: Landmark) -> Bool { a.packed < b.packed }
}
