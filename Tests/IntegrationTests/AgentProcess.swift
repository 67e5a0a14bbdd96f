import Foundation
import TestSupport

/// A `wavedefect agent run|worker` child process, its stderr collected for waiting on log
/// lines; killed (SIGKILL) when the test drops it.
final class AgentProcess: @unchecked Sendable {
    let process = Process()
    private let stderrPipe = Pipe()
    private let logBuffer = LogBuffer()

    init(_ arguments: [String]) throws {
        process.executableURL = ServerProcess.binary
        process.arguments = ["agent"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["WAVEDEFECT_KEYS"] = nil
        process.environment = env
        try logBuffer.run(process, stderr: stderrPipe)
    }

    var log: String { logBuffer.text }

    /// Waits until the log contains `text` (the process's own acknowledgement of a step).
    func waitForLog(_ text: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if log.contains(text) { return true }
            if !process.isRunning {
                logBuffer.waitForEnd()  // the exit can come before the handler read the last lines
                return log.contains(text)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// SIGKILL: the process dies without closing anything, as a crash would.
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        logBuffer.waitForEnd()
    }

    deinit {
        kill()
        ChildProcesses.forget(process.processIdentifier)
        stderrPipe.fileHandleForReading.readabilityHandler = nil
    }
}

extension ServerProcess {
    /// Waits until the server's log contains `text`.
    func waitForLog(_ text: String, timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if log.contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    var databasePath: String { directory.appendingPathComponent("test.sqlite").path }
}
