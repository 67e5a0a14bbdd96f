import Foundation
import Testing

@Suite(.blocking) struct ShutdownTests {
    @Test func sigtermClosesEveryClientWith1001AndExitsZero() throws {
        let server = try ServerProcess()
        let a = try TestWebSocket(port: server.port, token: server.token("a"))
        let b = try TestWebSocket(port: server.port, token: server.token("b", room: "other"))
        _ = try a.nextJSON()
        _ = try b.nextJSON()
        let idleHTTP = try TestSocket(port: server.port)
        let status = server.stop()
        #expect(try a.expectClose() == 1001)
        #expect(try b.expectClose() == 1001)
        #expect(idleHTTP.readUntilClosed(timeout: 3).isEmpty)
        #expect(status == 0)
        #expect(server.log.contains("stopped"))
    }

    @Test func aServerIsStoppedWhenItsTestThrows() throws {
        struct Thrown: Error {}
        var pid: Int32 = 0
        #expect(throws: Thrown.self) {
            let server = try ServerProcess()
            pid = server.process.processIdentifier
            throw Thrown()
        }
        #expect(pid > 0)
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "server \(pid) outlived the test that started it")
    }

    @Test func devModeRefusesANonLoopbackHost() throws {
        #expect(throws: ServerProcess.ServerStartError.self) { try ServerProcess(arguments: ["--host", "0.0.0.0"]) }
    }

    @Test(arguments: [
        ["--header-timeout=-1"], ["--idle-timeout=-5"], ["--flush-interval-ms=nan"], ["--port", "70000"],
        ["--max-frame-bytes", "10"], ["--ping-interval", "1e300"],
    ])
    func outOfRangeSettingsAreAStartupErrorNotACrashLater(_ flags: [String]) throws {
        do {
            _ = try ServerProcess(arguments: flags)
            Issue.record("server started with \(flags)")
        } catch let e as ServerProcess.ServerStartError {
            #expect(e.log.contains("Error:"), "\(e.log)")
            #expect(!e.log.contains("Fatal error") && !e.log.contains("crashed"))
        }
    }

    @Test func badRoomDefinitionIsAStartupErrorNamingFileAndField() throws {
        do {
            _ = try ServerProcess(rooms: ["broken.yaml": "name: broken\nmax_participants: lots\n"])
            Issue.record("server started with a broken room definition")
        } catch let e as ServerProcess.ServerStartError {
            #expect(e.log.contains("broken.yaml:2"))
            #expect(e.log.contains("max_participants"))
        }
    }
}

@Suite(.blocking) struct IdleShutdownTests {
    @Test func sigtermWithNoClientsExitsZero() throws {
        let server = try ServerProcess()
        _ = try TestSocket.get(port: server.port, "/healthz")
        #expect(server.stop() == 0)
        #expect(!server.log.contains("Assertion"))
    }
}
