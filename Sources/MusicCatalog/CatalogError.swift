/// Catalog failures other than raw SQLite errors.
public enum CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file was written by a newer WaveDefect with schema versions this build does not know.
    case schemaTooNew(found: Int, known: Int)
    case unknownTrack(Int64)
    /// A vector's length does not match its model's registered dimension.
    case dimensionMismatch(model: String, expected: Int, got: Int)
    case invalidModelName(String)
    case nonFiniteVector(trackID: Int64)
    /// A profile track with a weight that is not a positive finite number, or a non-finite time.
    case invalidProfileTrack(Int64)

    public var description: String {
        switch self {
        case .schemaTooNew(let found, let known):
            return "catalog schema version \(found) is newer than this build knows (\(known)); upgrade wavedefect"
        case .unknownTrack(let id): return "no track with id \(id) in the catalog"
        case .dimensionMismatch(let model, let expected, let got):
            return "model \(model) has dimension \(expected), got a vector of \(got)"
        case .invalidModelName(let name): return "invalid model name \"\(name)\" (use 1–64 characters of [A-Za-z0-9._-])"
        case .nonFiniteVector(let id): return "vector for track \(id) contains NaN or infinity"
        case .invalidProfileTrack(let id): return "profile entry for track \(id) needs a positive finite weight and a finite time"
        }
    }
}
