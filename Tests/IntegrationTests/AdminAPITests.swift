import Foundation
import Testing

/// The Twirp room admin API driven with LiveKit's own protobuf message classes (Python).
@Suite(.blocking) struct AdminAPITests {
    @Test func roomServiceWithLiveKitMessages() throws {
        let server = try ServerProcess()
        let script = ServerProcess.repositoryRoot.appendingPathComponent("Tests/IntegrationTests/python/admin_test.py")
        let (status, output) = try runPython([script.path, String(server.port)])
        #expect(status == 0, "admin test failed:\n\(output)\n--- server log ---\n\(server.log.suffix(3000))")
        #expect(output.contains("all admin checks passed"))
    }
}
