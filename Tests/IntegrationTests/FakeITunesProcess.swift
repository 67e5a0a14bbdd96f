import Foundation
import WireJSON

/// `python/fake_itunes.py` in the background: the iTunes Search API and Apple's preview CDN,
/// answering with the documented JSON and real AAC previews, and what it was asked.
final class FakeITunesProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let directory: URL
    private let logFile: URL

    init(slowSeconds: Double = 4) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-itunes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let portFile = directory.appendingPathComponent("port")
        logFile = directory.appendingPathComponent("requests.jsonl")
        let script = ServerProcess.repositoryRoot.appendingPathComponent("Tests/IntegrationTests/python/fake_itunes.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, portFile.path, logFile.path, "--slow-seconds", String(slowSeconds)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Generous: the first run on a machine makes its previews with ffmpeg first.
        let deadline = Date().addingTimeInterval(120)
        var port = 0
        while Date() < deadline && process.isRunning {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let p = Int(text) {
                port = p
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        guard port > 0 else {
            if process.isRunning { process.terminate() }
            throw FakeStartError()
        }
        self.port = port
    }

    struct FakeStartError: Error, CustomStringConvertible {
        var description: String { "fake_itunes.py did not start (python3 and the ffmpeg CLI are needed)" }
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Every request so far: path (with query) and arrival time.
    var requests: [(path: String, time: Double)] {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }.compactMap { json in
            guard let path = json["path"]?.stringValue, let t = json["t"]?.doubleValue else { return nil }
            return (path, t)
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs the `wavedefect` binary to completion and collects its exit status and output.
func runWavedefect(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = ServerProcess.binary
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both to the end before waiting, so a full pipe never stalls the child.
    let group = DispatchGroup()
    nonisolated(unsafe) var stderrData = Data()
    group.enter()
    DispatchQueue.global().async {
        stderrData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdoutData, as: UTF8.self), String(decoding: stderrData, as: UTF8.self))
}
