/// Why a search could not run.
public enum SearchError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSeeds
    case unknownSeedTrack(Int64)
    case seedDimension(expected: Int, got: Int)
    /// The seeds point in opposite directions and their centroid is the zero vector.
    case seedsCancelOut
    case invalidLambda(Double)

    public var description: String {
        switch self {
        case .noSeeds: return "at least one seed is needed"
        case .unknownSeedTrack(let id): return "seed track \(id) has no vector in the index"
        case .seedDimension(let e, let g): return "seed vector has dimension \(g), the index has \(e)"
        case .seedsCancelOut: return "the seeds cancel out: their centroid is zero"
        case .invalidLambda(let l): return "MMR lambda must be between 0 and 1, got \(l)"
        }
    }
}
