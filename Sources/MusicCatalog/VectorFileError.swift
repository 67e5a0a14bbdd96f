/// Why an `import-vectors` input was refused. Line numbers are 1-based.
public struct VectorFileError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case npy, line, mismatch
    }

    private let code: Code
    /// The 1-based line of a JSON-lines or id file the error is about, if any.
    public let lineNumber: Int?
    public let message: String

    private init(_ code: Code, line: Int? = nil, _ message: String) {
        self.code = code
        self.lineNumber = line
        self.message = message
    }

    public static func npy(_ message: String) -> VectorFileError { .init(.npy, message) }
    public static func line(_ line: Int, _ message: String) -> VectorFileError { .init(.line, line: line, message) }
    public static func mismatch(_ message: String) -> VectorFileError { .init(.mismatch, message) }

    public var description: String {
        switch code {
        case .npy: ".npy: \(message)"
        case .line: "line \(lineNumber ?? 0): \(message)"
        case .mismatch: message
        }
    }
}
