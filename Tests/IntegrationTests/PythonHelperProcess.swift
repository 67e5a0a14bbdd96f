import Foundation
import TestSupport

/// A script from `python/` in the background, started the way every fake and receiver here
/// starts: it binds 127.0.0.1 on an ephemeral port and writes the port to PORT_FILE
/// (atomically), its first argument; LOG_FILE, its second, is where it records what it was
/// asked. One launcher for `FakeUpstream`, `FakeITunesProcess` and `WebhookReceiverProcess`;
/// stopped with `ChildProcess.stop`, and killed with the test run if the runner dies first.
final class PythonHelperProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    /// A fresh directory for the port file, the log and anything else of this run.
    let directory: URL
    let logFile: URL

    /// `script` is a file name in `python/`; `arguments` follow PORT_FILE and LOG_FILE.
    /// `startTimeout`: seconds for the port to appear. `stdin`: held open by the caller
    /// when the script exits once its standard input closes.
    init(script: String, logName: String, arguments: [String] = [], startTimeout: Double, stdin: Pipe? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-\(script.split(separator: ".")[0])-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let portFile = directory.appendingPathComponent("port")
        logFile = directory.appendingPathComponent(logName)
        let path = ServerProcess.repositoryRoot.appendingPathComponent("Tests/IntegrationTests/python/\(script)")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path.path, portFile.path, logFile.path] + arguments
        if let stdin { process.standardInput = stdin }
        process.standardOutput = FileHandle.nullDevice
        // A file, not a pipe: nobody would read a pipe, and a full one blocks the writer.
        let stderrFile = directory.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
        ChildProcesses.register(process.processIdentifier)
        let deadline = Date().addingTimeInterval(startTimeout)
        var port = 0
        while Date() < deadline && process.isRunning {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let p = Int(text) {
                port = p
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        guard port > 0 else {
            ChildProcess.stop(process)
            ChildProcesses.forget(process.processIdentifier)
            throw StartError(script: script, stderr: (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "")
        }
        self.port = port
    }

    struct StartError: Error, CustomStringConvertible {
        let script: String
        let stderr: String
        var description: String { "\(script) did not start within its timeout:\n\(stderr)" }
    }

    /// The log's lines, each a JSON object.
    var logLines: [Substring] {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n")
    }

    deinit {
        ChildProcess.stop(process)
        ChildProcesses.forget(process.processIdentifier)
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Stopping a helper process without ever waiting forever.
enum ChildProcess {
    /// SIGTERM, up to `timeout` seconds for it to exit, then SIGKILL. Never
    /// `Process.waitUntilExit()` after SIGTERM alone: a child that inherited the test
    /// runner's blocked SIGTERM (every child does, unless it unblocks it) would never exit.
    static func stop(_ process: Process, timeout: Double = 5) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
