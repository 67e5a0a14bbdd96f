import Foundation
import Testing

/// A client that is not ours: Python's `websockets` with tokens from LiveKit's Python SDK.
@Suite(.blocking) struct PythonClientTests {
    @Test func pythonWebsocketsClientWithLiveKitTokens() throws {
        let server = try ServerProcess()
        let script = ServerProcess.repositoryRoot.appendingPathComponent("Tests/IntegrationTests/python/client_test.py")
        let (status, output) = try runPython([script.path, String(server.port)])
        #expect(status == 0, "python client failed:\n\(output)\n--- server log ---\n\(server.log.suffix(3000))")
        #expect(output.contains("all python checks passed"))
    }
}

/// Runs python3 with the arguments; returns exit status and combined output.
func runPython(_ arguments: [String], timeout: TimeInterval = 120) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
