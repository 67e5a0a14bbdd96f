import NumericCore

/// The index flattened onto a plane for a map of the catalog: each track's stored unit vector
/// (standardized first where the index standardizes) projected on the two principal
/// components of all of them. Those are the vectors cosine search compares, so tracks the
/// search calls similar land near each other.
public struct PlaneProjection: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var id: Int64
        public var x: Double
        public var y: Double

        public init(id: Int64, x: Double, y: Double) {
            self.id = id
            self.x = x
            self.y = y
        }
    }

    /// In row order of the index. Coordinates are scaled by one factor so the farthest
    /// coordinate is ±1 (both axes alike, so distances keep their proportions).
    public var points: [Point]
    /// The share of the catalog's spread along x and along y (0…1 each).
    public var explained: (x: Double, y: Double)

    public static func == (a: Self, b: Self) -> Bool {
        a.points == b.points && a.explained == b.explained
    }
}

extension VectorIndex {
    /// The plane projection of every row. An empty index gives no points; a single row sits
    /// at the origin.
    public func planeProjection() -> PlaneProjection {
        let rows = count
        var matrix = [Float]()
        matrix.reserveCapacity(rows * dimension)
        for row in 0..<rows { matrix.append(contentsOf: unitVector(row: row)) }
        let pca = PrincipalComponents(matrix, rows: rows, columns: dimension, count: 2)
        let coordinates = pca.project(matrix, rows: rows)
        let k = pca.components.count
        let scale = coordinates.reduce(0) { max($0, abs($1)) }
        let points = (0..<rows).map { r -> PlaneProjection.Point in
            let x = scale > 0 ? coordinates[r * k] / scale : 0
            let y = k > 1 && scale > 0 ? coordinates[r * k + 1] / scale : 0
            return PlaneProjection.Point(id: ids[r], x: x, y: y)
        }
        let total = pca.totalVariance
        let share = { (i: Int) -> Double in total > 0 && i < k ? pca.variances[i] / total : 0 }
        return PlaneProjection(points: points, explained: (share(0), share(1)))
    }
}
