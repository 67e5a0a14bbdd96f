/// The inverted index: for every hash, where it occurs in the catalog (track, frame).
///
/// Built once from every track's landmarks, then read-only (a value: snapshots are free and
/// any number of threads query one). Layout, for a lookup in O(1) with no per-entry object:
/// - `starts`: `Landmark.hashCount + 1` offsets (8 MiB), so hash `h`'s postings are
///   `postings[starts[h] ..< starts[h + 1]]`;
/// - `postings`: one `UInt64` per stored landmark, track slot in the high 32 bits and frame in
///   the low 32, grouped by hash and, within a hash, by slot then frame.
/// Memory is therefore 8 bytes per landmark plus the fixed table.
public struct FingerprintIndex: Sendable {
    /// One indexed track: its catalog id and its length in frames (for the chance model).
    public struct Entry: Sendable, Equatable {
        public var id: Int64
        public var frameCount: Int
        public var landmarkCount: Int

        public init(id: Int64, frameCount: Int, landmarkCount: Int) {
            self.id = id
            self.frameCount = frameCount
            self.landmarkCount = landmarkCount
        }
    }

    public let entries: [Entry]
    let starts: [UInt32]
    let postings: [UInt64]

    /// An empty index.
    public init() {
        entries = []
        starts = []
        postings = []
    }

    /// Builds the index from `(id, frameCount, landmarks)` of every track (a counting sort by
    /// hash: two passes over the landmarks, no comparison sort).
    public init(tracks: [(id: Int64, frameCount: Int, landmarks: [Landmark])]) {
        var counts = [UInt32](repeating: 0, count: Landmark.hashCount + 1)
        var total = 0
        for track in tracks {
            for l in track.landmarks { counts[Int(l.hash) + 1] &+= 1 }
            total += track.landmarks.count
        }
        precondition(total < Int(UInt32.max), "fingerprint index over 4 billion landmarks")
        for h in 0..<Landmark.hashCount { counts[h + 1] &+= counts[h] }
        var cursor = counts
        var postings = [UInt64](repeating: 0, count: total)
        postings.withUnsafeMutableBufferPointer { out in
            for (slot, track) in tracks.enumerated() {
                for l in track.landmarks {
                    let h = Int(l.hash)
                    out[Int(cursor[h])] = UInt64(slot) << 32 | UInt64(l.time)
                    cursor[h] &+= 1
                }
            }
        }
        entries = tracks.map { Entry(id: $0.id, frameCount: $0.frameCount, landmarkCount: $0.landmarks.count) }
        starts = counts
        self.postings = postings
    }

    public var trackCount: Int { entries.count }
    public var landmarkCount: Int { postings.count }

    /// Bytes the index holds in memory (postings, offset table, entries).
    public var memoryBytes: Int {
        postings.count * 8 + starts.count * 4 + entries.count * MemoryLayout<Entry>.stride
    }

    /// The postings of `hash`: `(slot << 32) | frame`.
    @inline(__always)
    func postings(of hash: UInt32) -> ArraySlice<UInt64> {
        guard !starts.isEmpty else { return [] }
        return postings[Int(starts[Int(hash)])..<Int(starts[Int(hash) + 1])]
    }

    /// Where `hash` occurs, as (catalog id, frame) pairs.
    public func occurrences(of hash: UInt32) -> [(id: Int64, time: Int)] {
        postings(of: hash).map { (entries[Int($0 >> 32)].id, Int($0 & 0xFFFF_FFFF)) }
    }
}
