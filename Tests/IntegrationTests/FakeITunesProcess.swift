import Foundation
import WireJSON

/// `python/fake_itunes.py` in the background: the iTunes Search API and Apple's preview CDN,
/// answering with the documented JSON and real AAC previews, and what it was asked.
final class FakeITunesProcess: @unchecked Sendable {
    private let helper: PythonHelperProcess

    init(slowSeconds: Double = 4) throws {
        // Generous: the first run on a machine makes its previews with ffmpeg first.
        helper = try PythonHelperProcess(
            script: "fake_itunes.py", logName: "requests.jsonl", arguments: ["--slow-seconds", String(slowSeconds)], startTimeout: 120)
    }

    var port: Int { helper.port }
    var base: String { "http://127.0.0.1:\(port)" }

    /// Every request so far: path (with query) and arrival time.
    var requests: [(path: String, time: Double)] {
        helper.logLines.compactMap { try? JSONParser.parse(String($0)) }.compactMap { json in
            guard let path = json["path"]?.stringValue, let t = json["t"]?.doubleValue else { return nil }
            return (path, t)
        }
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
