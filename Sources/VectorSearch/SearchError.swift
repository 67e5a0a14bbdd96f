/// Why a search could not run.
public struct SearchError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case noSeeds, unknownSeedTrack, seedDimension, seedsCancelOut, invalidLambda
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static let noSeeds = SearchError(.noSeeds, "at least one seed is needed")
    public static func unknownSeedTrack(_ id: Int64) -> SearchError { .init(.unknownSeedTrack, "seed track \(id) has no vector in the index") }
    public static func seedDimension(expected: Int, got: Int) -> SearchError {
        .init(.seedDimension, "seed vector has dimension \(got), the index has \(expected)")
    }
    /// The seeds point in opposite directions and their centroid is the zero vector.
    public static let seedsCancelOut = SearchError(.seedsCancelOut, "the seeds cancel out: their centroid is zero")
    public static func invalidLambda(_ lambda: Double) -> SearchError { .init(.invalidLambda, "MMR lambda must be between 0 and 1, got \(lambda)") }

    public var description: String { message }
}
