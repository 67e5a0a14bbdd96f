import ArgumentParser
import AudioDecoding
import Foundation

/// The decoder's limits as options shared by every command that reads audio.
public struct DecodeLimitOptions: ParsableArguments {
    @Option(help: "Analyse at most this many seconds of each file.")
    public var maxDuration: Double = DecodeLimits.default.maxDuration

    @Option(help: "Refuse inputs larger than this many megabytes.")
    public var maxFileMB: Int = DecodeLimits.default.maxInputBytes >> 20

    public init() {}

    public var decodeLimits: DecodeLimits {
        DecodeLimits(maxDuration: maxDuration, maxInputBytes: maxFileMB << 20)
    }

    public func validate() throws {
        guard maxDuration > 0 else { throw ValidationError("--max-duration must be positive") }
        guard maxFileMB > 0 else { throw ValidationError("--max-file-mb must be positive") }
    }
}

public func absolutePath(_ path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.standardizedFileURL.path
}

func writeToStderr(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A failure while running a command (not a usage mistake): printed as "Error: …" without the
/// usage text that `ValidationError` adds.
public struct CommandError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
