/// Ingest failures that are not decoder or catalog errors.
public enum IngestError: Error, Sendable, CustomStringConvertible {
    case tooLarge(path: String, limit: Int)

    public var description: String {
        switch self {
        case .tooLarge(let path, let limit): return "\(path): larger than \(limit) bytes"
        }
    }
}
