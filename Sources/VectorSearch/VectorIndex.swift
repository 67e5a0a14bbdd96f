import Synchronization

/// An in-memory matrix of unit vectors for exact cosine search.
///
/// Rows are stored in blocks of 16, dimension-major inside a block: element `j` of the rows
/// of block `b` are 16 consecutive floats. Scoring a query is then one sequential pass over
/// memory with one 16-wide multiply-add per dimension per block — no horizontal sums, no
/// per-row overhead, whatever the dimension (40 or 1,024).
///
/// A value type (copy-on-write): a server keeps the current index behind a lock and searches a
/// snapshot while ingest builds the next.
public struct VectorIndex: Sendable {
    public static let blockWidth = 16

    public let dimension: Int
    /// Catalog track id of each row.
    public private(set) var ids: [Int64] = []
    /// When set, vectors are standardized before normalization (MFCC models).
    public private(set) var standardization: Standardization?
    /// Blocks of `blockWidth × dimension` floats; rows past `count` in the last block are 0.
    private(set) var blocks: [Float] = []
    /// Raw vectors, kept only when standardizing, so the statistics can be re-learned.
    private(set) var raw: [Float] = []
    private var rowOfID: [Int64: Int] = [:]
    /// Rows the standardization was learned from; it is re-learned when the index has doubled
    /// since, so a catalog that starts empty (and fills by ingest) is standardized too.
    private(set) var learnedFromCount = 0

    /// A value no other index state has had: taken afresh by every init and every mutation,
    /// so a cache derived from one snapshot (per-anchor scores of a recommender) can tell
    /// cheaply whether the snapshot it is handed is still the one it was computed from.
    public private(set) var version: UInt64 = VectorIndex.nextVersion()

    private static let versions = Atomic<UInt64>(0)
    private static func nextVersion() -> UInt64 { versions.add(1, ordering: .relaxed).newValue }

    public var count: Int { ids.count }

    /// Builds an index from `ids.count × dimension` raw vectors. With `standardize`, the
    /// per-dimension statistics are learned from these vectors.
    public init(dimension: Int, ids: [Int64], vectors: [Float], standardize: Bool) {
        precondition(dimension > 0 && vectors.count == ids.count * dimension)
        self.dimension = dimension
        if standardize {
            standardization = Standardization(learningFrom: vectors, dimension: dimension)
            learnedFromCount = ids.count
        }
        blocks.reserveCapacity(((ids.count + 15) / 16) * 16 * dimension)
        for (i, id) in ids.enumerated() {
            append(id: id, raw: Array(vectors[(i * dimension)..<((i + 1) * dimension)]))
        }
    }

    /// An empty index. With `standardize`, statistics are learned as vectors arrive (first
    /// at 8 rows, then at every doubling).
    public init(dimension: Int, standardize: Bool) {
        self.init(dimension: dimension, ids: [], vectors: [], standardize: standardize)
    }

    public func contains(id: Int64) -> Bool { rowOfID[id] != nil }

    public func row(of id: Int64) -> Int? { rowOfID[id] }

    /// What a raw vector looks like inside the index: standardized (if the index does) and
    /// normalized. Queries go through this too.
    public func prepare(_ vector: [Float]) -> [Float] {
        precondition(vector.count == dimension, "vector of dimension \(vector.count) for an index of \(dimension)")
        return VectorMath.normalized(standardization?.apply(vector) ?? vector)
    }

    /// The stored unit vector of `row`.
    public func unitVector(row: Int) -> [Float] {
        let base = (row / 16) * 16 * dimension + row % 16
        return (0..<dimension).map { blocks[base + $0 * 16] }
    }

    public func unitVector(id: Int64) -> [Float]? { rowOfID[id].map { unitVector(row: $0) } }

    /// Adds a vector, or replaces the vector of an id already present. New rows use the current
    /// standardization until the index has doubled since it was learned; then it is re-learned
    /// from all rows (amortized O(1) per insert).
    public mutating func upsert(id: Int64, vector: [Float]) {
        precondition(vector.count == dimension)
        version = Self.nextVersion()
        if let row = rowOfID[id] {
            write(prepare(vector), row: row)
            if standardization != nil { raw.replaceSubrange((row * dimension)..<((row + 1) * dimension), with: vector) }
        } else {
            append(id: id, raw: vector)
            if standardization != nil, count >= 2 * max(learnedFromCount, 4) { relearnStandardization() }
        }
    }

    /// Removes `id` by moving the last row into its place.
    public mutating func remove(id: Int64) {
        guard let row = rowOfID.removeValue(forKey: id) else { return }
        version = Self.nextVersion()
        let last = count - 1
        if row != last {
            write(unitVector(row: last), row: row)
            ids[row] = ids[last]
            rowOfID[ids[row]] = row
            if standardization != nil {
                raw.replaceSubrange((row * dimension)..<((row + 1) * dimension), with: raw[(last * dimension)..<((last + 1) * dimension)])
            }
        }
        write([Float](repeating: 0, count: dimension), row: last)
        ids.removeLast()
        if standardization != nil { raw.removeLast(dimension) }
        if last % 16 == 0 { blocks.removeLast(16 * dimension) }
    }

    /// Re-learns the standardization from the vectors now in the index and rebuilds.
    public mutating func relearnStandardization() {
        guard standardization != nil else { return }
        self = VectorIndex(dimension: dimension, ids: ids, vectors: raw, standardize: true)
    }

    private mutating func append(id: Int64, raw vector: [Float]) {
        let row = count
        if row % 16 == 0 { blocks.append(contentsOf: repeatElement(0, count: 16 * dimension)) }
        ids.append(id)
        rowOfID[id] = row
        if standardization != nil { raw.append(contentsOf: vector) }
        write(prepare(vector), row: row)
    }

    private mutating func write(_ unit: [Float], row: Int) {
        let base = (row / 16) * 16 * dimension + row % 16
        for j in 0..<dimension { blocks[base + j * 16] = unit[j] }
    }
}
