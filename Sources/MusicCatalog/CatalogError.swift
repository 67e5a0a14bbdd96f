/// Catalog failures other than raw SQLite errors.
public struct CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case schemaTooNew, schemaTooOld, unknownTrack, dimensionMismatch, invalidModelName, nonFiniteVector, invalidProfileTrack
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The file was written by a newer WaveDefect with schema versions this build does not know.
    public static func schemaTooNew(found: Int, known: Int) -> CatalogError {
        .init(.schemaTooNew, "catalog schema version \(found) is newer than this build knows (\(known)); upgrade wavedefect")
    }
    /// A read-only open met a file of an older schema, which only a writer may migrate.
    public static func schemaTooOld(found: Int, known: Int) -> CatalogError {
        .init(.schemaTooOld, "catalog schema version \(found) is older than this build's (\(known)); "
            + "open it once with a command that writes (`wavedefect ingest` or `serve`) to upgrade it")
    }
    public static func unknownTrack(_ id: Int64) -> CatalogError { .init(.unknownTrack, "no track with id \(id) in the catalog") }
    /// A vector's length does not match its model's registered dimension.
    public static func dimensionMismatch(model: String, expected: Int, got: Int) -> CatalogError {
        .init(.dimensionMismatch, "model \(model) has dimension \(expected), got a vector of \(got)")
    }
    public static func invalidModelName(_ name: String) -> CatalogError {
        .init(.invalidModelName, "invalid model name \"\(name)\" (use 1–64 characters of [A-Za-z0-9._-])")
    }
    public static func nonFiniteVector(trackID: Int64) -> CatalogError {
        .init(.nonFiniteVector, "vector for track \(trackID) contains NaN or infinity")
    }

    /// A profile track with a weight that is not a positive finite number, or a non-finite time.
    public static func invalidProfileTrack(_ id: Int64) -> CatalogError {
        .init(.invalidProfileTrack, "profile entry for track \(id) needs a positive finite weight and a finite time")
    }

    public var description: String { message }
}
