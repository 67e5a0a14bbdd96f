import Foundation
import Testing

/// The Twirp room admin API driven with LiveKit's own protobuf message classes (Python).
/// The scripts share the suite's server one after the other (each checks the whole room list).
@Suite(.sharedServer(), .serialized) struct AdminAPITests {
    let server: ServerProcess

    init() throws {
        server = try .shared
    }

    @Test func roomServiceWithLiveKitMessages() throws {
        let script = ServerProcess.repositoryRoot.appendingPathComponent("Tests/IntegrationTests/python/admin_test.py")
        let (status, output) = try runPython([script.path, String(server.port)])
        #expect(status == 0, "admin test failed:\n\(output)\n--- server log ---\n\(server.log.suffix(3000))")
        #expect(output.contains("all admin checks passed"))
    }

    /// LiveKit's Python server SDK unchanged (protobuf bodies): RoomService and
    /// AgentDispatchService; then AgentDispatchService with JSON bodies, and refused bodies.
    @Test func liveKitServerSDKOverProtobufAndDispatchOverJSON() throws {
        let script = ServerProcess.repositoryRoot.appendingPathComponent("Tests/IntegrationTests/python/livekit_api_test.py")
        let (status, output) = try runPython([script.path, String(server.port)])
        #expect(status == 0, "livekit-api test failed:\n\(output)\n--- server log ---\n\(server.log.suffix(3000))")
        #expect(output.contains("all livekit-api checks passed"))
    }
}
