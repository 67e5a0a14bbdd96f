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

/// Runs python3 with the arguments; returns exit status and combined output. (`timeout` is
/// not enforced: the scripts end themselves.)
func runPython(_ arguments: [String], timeout: TimeInterval = 120) throws -> (Int32, String) {
    try runTool("python3", arguments)
}
