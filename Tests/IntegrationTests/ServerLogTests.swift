import Foundation
import Testing
import WireJSON

/// What the server's log tells the person who started it.
@Suite(.sharedServer()) struct ServerLogTests {
    let server: ServerProcess

    init() throws {
        server = try .shared
    }

    /// Waits (up to `timeout`) until the server's log contains `text`.
    func logEventually(contains text: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if server.log.contains(text) { return true }
            usleep(10_000)
        }
        return server.log.contains(text)
    }

    @Test func startUpPrintsTheURLToOpenAndEveryJoinHasItsLeave() throws {
        #expect(logEventually(contains: "url=http://127.0.0.1:\(server.port)/"), "\(server.log)")
        #expect(!server.log.contains("address=127.0.0.1"))

        let room = ServerProcess.uniqueRoom()
        let ws = try TestWebSocket(port: server.port, token: server.token("log-alice", room: room))
        let joined = try ws.nextJSON()
        #expect(joined["type"] == "joined")
        #expect(logEventually(contains: "identity=log-alice"))
        try ws.close()
        func leaves() -> [Substring] { server.log.split(separator: "\n").filter { $0.contains(" left") && $0.contains("identity=log-alice") } }
        // Wait for alice's own leave line (any "left" elsewhere in the log says nothing about hers).
        let deadline = Date().addingTimeInterval(20)
        while leaves().isEmpty && Date() < deadline { usleep(10_000) }
        let left = leaves()
        #expect(left.count == 1, "\(server.log)")
        #expect(left.first?.contains("room=\(room)") == true)
    }
}
