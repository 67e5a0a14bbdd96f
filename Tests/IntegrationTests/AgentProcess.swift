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
    ///
    /// Waits for the kernel to say it is dead, not for `Process.waitUntilExit()`: in two whole
    /// runs under load Foundation never reaped a worker killed here (it stayed a zombie with
    /// SIGKILL's status, `isRunning` stayed true) and `waitUntilExit()` spun until the run
    /// was killed. Gone or a zombie is dead enough; Foundation reaps it when it notices.
    func kill() {
        let pid = process.processIdentifier
        if process.isRunning { Foundation.kill(pid, SIGKILL) }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && !Self.isDead(pid) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        logBuffer.waitForEnd()
    }

    /// `/proc/<pid>/stat` gone, or its state (after the command name's ")") is Z.
    static func isDead(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first == "Z"
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
