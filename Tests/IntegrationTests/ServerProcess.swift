import Foundation
import TestSupport
import Testing

/// A real `wavedefect serve` process on an ephemeral loopback port.
///
/// ONE SERVER PER SUITE. Swift Testing makes a new suite instance for every test (and every
/// argument of a parameterized test), so a server started in a suite's `init()` is a server per
/// test. Instead, give the suite the `.sharedServer(…)` trait and read the server with
/// `ServerProcess.shared`:
///
///     @Suite(.sharedServer(config: "limits:\n  max_payload_bytes: 1000\n"))
///     struct MyTests {
///         let server: ServerProcess
///         init() throws { server = try .shared }
///         @Test func something() throws {
///             let room = ServerProcess.uniqueRoom()   // tests run in parallel: one room each
///             let ws = try TestWebSocket(port: server.port, token: server.token("a", room: room))
///             …
///         }
///     }
///
/// The trait starts the server before the suite's first test and stops it (SIGTERM, expecting
/// exit status 0) after its last, and runs the tests on `BlockingTestExecutor` (suites that
/// start their own servers say `@Suite(.blocking)` for that). The suite's tests run in parallel against it, so each test
/// works in its own room (or with its own identities) and never asserts server-wide counters
/// another test could move. Only tests that need a configuration of their own (or that stop or
/// crash the server) start a `ServerProcess(…)` themselves. Wait on what the server answers
/// (acks, pongs, presence), never on fixed sleeps.
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
        try logBuffer.run(process, stderr: stderrPipe)
        Self.recordStart(pid: process.processIdentifier)
        let deadline = Date().addingTimeInterval(60)
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
            // The exit does not mean the pipe's handler has read the last lines yet.
            logBuffer.waitForEnd()
            throw ServerStartError(log: logBuffer.text)
        }
        self.port = port
    }

    /// Appends one line per started server to `$WAVEDEFECT_TEST_SERVER_LOG` (when set), so a
    /// run can count how many server processes it started.
    static func recordStart(pid: Int32) {
        guard let path = ProcessInfo.processInfo.environment["WAVEDEFECT_TEST_SERVER_LOG"] else { return }
        let line = Array("\(pid) \(Test.current?.name ?? "?")\n".utf8)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
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
            logBuffer.waitForEnd()
            return -9
        }
        // Tests read the log after stopping ("stopped", no assertion): wait for its last lines.
        logBuffer.waitForEnd()
        return process.terminationStatus
    }

    /// Whatever the test did — finished, failed, threw — the server goes with this object.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        ChildProcesses.forget(process.processIdentifier)
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        try? FileManager.default.removeItem(at: directory)
    }

    /// One sample of `GET /metrics`: the value of `name` with exactly `labels`, or nil when the
    /// series is absent.
    func metric(_ name: String, _ labels: [String: String] = [:]) throws -> Double? {
        let text = try TestSocket.get(port: port, "/metrics").bodyText
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let value = Double(line[line.index(after: space)...])
            let seriesName = series.prefix { $0 != "{" }
            guard seriesName == name else { continue }
            var found: [String: String] = [:]
            if let open = series.firstIndex(of: "{") {
                for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    found[String(parts[0])] = String(parts[1].dropFirst().dropLast())
                }
            }
            if found == labels { return value }
        }
        return nil
    }

    /// Polls `/metrics` until `name{labels}` satisfies `done` (or `timeout` passes); returns
    /// the last value seen.
    @discardableResult
    func awaitMetric(_ name: String, _ labels: [String: String] = [:], timeout: Double = 20, until done: (Double) -> Bool) throws -> Double? {
        let deadline = Date().addingTimeInterval(timeout)
        var value = try metric(name, labels)
        while !(value.map(done) ?? false) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            value = try metric(name, labels)
        }
        return value
    }

    /// Polls the log until `condition` holds (or `timeout` passes): a line the server logs
    /// when it acts reaches the test's copy of the log through a pipe and a reader thread, so
    /// it may come after what the server sent over a socket at the same moment.
    func logEventually(timeout: Double = 20, _ condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(log) {
            if Date() >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    /// Mints a join token with the dev key.
    func token(_ identity: String, room: String = "lab", configure: (inout TokenSpec) -> Void = { _ in }) -> String {
        var spec = TokenSpec(identity: identity, room: room)
        configure(&spec)
        return spec.mint()
    }
}

/// The one server of a suite; see `ServerProcess`.
struct SharedServer: SuiteTrait, TestScoping {
    let config: String?
    let arguments: [String]
    let rooms: [String: String]?
    let environment: [String: String]
    var demoCatalog = false
    /// Start `FakeUpstream` first and point the server's upstreams at it.
    var upstream = false

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Off the cooperative pool: starting the server and the tests themselves block.
        try await withTaskExecutorPreference(BlockingTestExecutor.shared) {
            let fake = upstream ? try FakeUpstream() : nil
            let server = try ServerProcess(config: config, arguments: (fake?.serverArguments ?? []) + arguments, rooms: rooms, environment: environment, demoCatalog: demoCatalog)
            do {
                try await FakeUpstream.$suiteUpstream.withValue(fake) {
                    try await ServerProcess.$suiteServer.withValue(server) { try await function() }
                }
            } catch {
                server.stop()
                throw error
            }
            // A crash (or a hang at shutdown) during the suite fails the suite.
            let status = server.stop()
            #expect(status == 0, "the suite's server exited with \(status)\n--- server log ---\n\(server.log.suffix(3000))")
        }
    }
}

extension Trait where Self == SharedServer {
    /// One server for the whole suite, with the same options as `ServerProcess.init`.
    /// `upstream`: also start a `FakeUpstream` (read it with `FakeUpstream.shared`) and send
    /// the server's Spotify, iTunes and YouTube requests to it.
    static func sharedServer(config: String? = nil, arguments: [String] = [], rooms: [String: String]? = nil, environment: [String: String] = [:], demoCatalog: Bool = false, upstream: Bool = false) -> SharedServer {
        SharedServer(config: config, arguments: arguments, rooms: rooms, environment: environment, demoCatalog: demoCatalog, upstream: upstream)
    }
}

extension ServerProcess {
    @TaskLocal static var suiteServer: ServerProcess?

    struct NoSharedServer: Error, CustomStringConvertible {
        var description: String { "ServerProcess.shared used in a suite without the .sharedServer trait" }
    }

    /// The server of the running suite (`.sharedServer` trait).
    static var shared: ServerProcess {
        get throws {
            guard let server = suiteServer else { throw NoSharedServer() }
            return server
        }
    }

    /// A room name no other test uses, for tests sharing a server.
    static func uniqueRoom(_ prefix: String = "room") -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Collects a child process's stderr from the pipe's handler thread.
final class LogBuffer: @unchecked Sendable {
    private let lock = NSCondition()
    private var data = Data()
    private var ended = false

    func append(_ chunk: Data) {
        lock.lock()
        data.append(chunk)
        lock.unlock()
    }

    private func end() {
        lock.lock()
        ended = true
        lock.broadcast()
        lock.unlock()
    }

    /// Waits until the handler has read the pipe to its end (the child and every copy of the
    /// write end are gone). A child that has exited may still have lines in the pipe that the
    /// handler thread has not read yet; on a loaded machine that takes well over a few ms.
    @discardableResult
    func waitForEnd(timeout: TimeInterval = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while !ended {
            if !lock.wait(until: deadline) { return ended }
        }
        return true
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Starts `process` with its stderr collected here through `stderr` and its stdout
    /// discarded (the server and agent processes both log to stderr only).
    func run(_ process: Process, stderr: Pipe) throws {
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        stderr.fileHandleForReading.readabilityHandler = { [self] handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
                end()
            } else {
                append(chunk)
            }
        }
        try process.run()
        ChildProcesses.register(process.processIdentifier)
    }
}
