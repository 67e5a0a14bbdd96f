import Foundation
import Testing

/// A real `wavedefect serve` process on an ephemeral loopback port, started for a test and
/// stopped (SIGTERM) when the test is done.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let directory: URL
    private let stderrPipe = Pipe()
    private let logBuffer = LogBuffer()

    static var binaryDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static var binary: URL { binaryDirectory.appendingPathComponent("wavedefect") }

    /// The repository root (for `web/` and `rooms/`).
    static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    /// Starts a dev-mode server. `config` is YAML written to a temporary file and passed with
    /// `--config`; `arguments` are extra `serve` flags.
    init(config: String? = nil, arguments: [String] = [], rooms: [String: String]? = nil, environment: [String: String] = [:], dev: Bool = true, demoCatalog: Bool = false) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let portFile = directory.appendingPathComponent("port")
        var args = ["serve", "--port", "0", "--port-file", portFile.path, "--log-level", "debug",
                    "--web-root", Self.repositoryRoot.appendingPathComponent("web").path,
                    "--db", directory.appendingPathComponent("test.sqlite").path]
        if dev { args.append("--dev") }
        if !demoCatalog { args.append("--no-demo-catalog") }
        if let rooms {
            let roomsDir = directory.appendingPathComponent("rooms")
            try FileManager.default.createDirectory(at: roomsDir, withIntermediateDirectories: true)
            for (file, text) in rooms { try text.write(to: roomsDir.appendingPathComponent(file), atomically: true, encoding: .utf8) }
            args += ["--rooms-dir", roomsDir.path]
        } else {
            args += ["--rooms-dir", Self.repositoryRoot.appendingPathComponent("rooms").path]
        }
        if let config {
            let file = directory.appendingPathComponent("config.yaml")
            try config.write(to: file, atomically: true, encoding: .utf8)
            args += ["--config", file.path]
        }
        args += arguments
        process.executableURL = Self.binary
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["WAVEDEFECT_KEYS"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        let buffer = logBuffer
        stderrPipe.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if !chunk.isEmpty { buffer.append(chunk) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        var port = 0
        while Date() < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let p = Int(text) {
                port = p
                break
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        guard port > 0 else {
            process.terminate()
            process.waitUntilExit()
            Thread.sleep(forTimeInterval: 0.05)
            throw ServerStartError(log: logBuffer.text)
        }
        self.port = port
    }

    struct ServerStartError: Error, CustomStringConvertible {
        let log: String
        var description: String { "server did not start:\n\(log)" }
    }

    var log: String { logBuffer.text }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func stop(timeout: TimeInterval = 10) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -9
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        try? FileManager.default.removeItem(at: directory)
    }

    /// Mints a join token with the dev key.
    func token(_ identity: String, room: String = "lab", configure: (inout TokenSpec) -> Void = { _ in }) -> String {
        var spec = TokenSpec(identity: identity, room: room)
        configure(&spec)
        return spec.mint()
    }
}

/// Collects a child process's stderr from the pipe's handler thread.
final class LogBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ chunk: Data) {
        lock.lock()
        data.append(chunk)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
