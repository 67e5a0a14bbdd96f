/// Why an `import-vectors` input was refused. Line numbers are 1-based.
public enum VectorFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case npy(String)
    case line(Int, String)
    case mismatch(String)

    public var description: String {
        switch self {
        case .npy(let m): return ".npy: \(m)"
        case .line(let n, let m): return "line \(n): \(m)"
        case .mismatch(let m): return m
        }
    }
}
