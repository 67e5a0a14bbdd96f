import VectorSearch

/// Read access to tracks' vectors as the index sees them: standardized (for MFCC models) and
/// normalized, so a dot product is the cosine the search uses.
public protocol TrackVectorLookup {
    func unitVector(id: Int64) -> [Float]?
}

extension VectorIndex: TrackVectorLookup {}

/// The unit vectors of a profile's tracks that have one, with their normalized weights.
struct WeightedVectors {
    var ids: [Int64] = []
    var vectors: [[Float]] = []
    /// Sum to 1 (when not empty).
    var weights: [Double] = []

    init(_ profile: TasteProfile, _ lookup: some TrackVectorLookup) {
        var total = 0.0
        for entry in profile.entries {
            guard let v = lookup.unitVector(id: entry.trackID), entry.weight > 0, entry.weight.isFinite else { continue }
            ids.append(entry.trackID)
            vectors.append(v)
            weights.append(entry.weight)
            total += entry.weight
        }
        if total > 0 { weights = weights.map { $0 / total } }
    }

    var isEmpty: Bool { ids.isEmpty }
    var count: Int { ids.count }

    /// The normalized weighted mean direction, in Double.
    var centroid: [Double] {
        guard let d = vectors.first?.count else { return [] }
        var sum = [Double](repeating: 0, count: d)
        for (v, w) in zip(vectors, weights) {
            for j in 0..<d { sum[j] += w * Double(v[j]) }
        }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? sum.map { $0 / norm } : sum
    }
}

enum Cosine {
    /// The cosine of two unit vectors; the same track is exactly 1.
    static func of(_ a: [Float], _ b: [Float]) -> Double { Double(VectorMath.dot(a, b)) }

    static func of(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in 0..<min(a.count, b.count) { s += a[i] * b[i] }
        return s
    }

    /// Rounded for the wire: 1.0 stays exactly 1.0.
    static func rounded(_ x: Double, _ digits: Double = 1000) -> Double { (x * digits).rounded() / digits }
}
