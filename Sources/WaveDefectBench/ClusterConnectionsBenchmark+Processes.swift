import EventLoop
import Foundation
import Glibc

/// A load-generator process of `bench cluster --connections`: commands written to its stdin,
/// answers read from its stdout by a thread; its stderr goes to ours.
final class ChildProcess {
    private let process: Process
    private let input: FileHandle
    let lines: LineReader

    init(executable: String, arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        try p.run()
        process = p
        input = stdin.fileHandleForWriting
        lines = LineReader(stdout.fileHandleForReading)
    }

    var pid: Int32 { process.processIdentifier }

    func send(_ line: String) {
        try? input.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Ends the process if it is still running (after a failed run: it holds nothing worth a
    /// clean exit), and waits for it.
    func stop() {
        try? input.close()
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }
}

extension ClusterConnectionsBenchmark {
    /// One line starting with `word` from each child, in the children's order; keeps the
    /// loop turning meanwhile (the publisher answers the server's pings). An `error` line, a
    /// child that exits, or the timeout fail the run.
    static func collect(_ children: [ChildProcess], word: String, timeout: Double, loop: EventLoop) throws -> [String] {
        var answers = [String?](repeating: nil, count: children.count)
        let deadline = Date().addingTimeInterval(timeout)
        while answers.contains(where: { $0 == nil }) {
            for (i, c) in children.enumerated() where answers[i] == nil {
                while let line = c.lines.next() {
                    if line.hasPrefix("error") { throw BenchError("client process \(i + 1): \(line)") }
                    if line.split(separator: " ").first.map(String.init) == word {
                        answers[i] = line
                        break
                    }
                }
                if answers[i] == nil, c.lines.ended { throw BenchError("client process \(i + 1) exited before answering \(word)") }
            }
            guard Date() < deadline else {
                let missing = answers.enumerated().filter { $0.element == nil }.map { String($0.offset + 1) }.joined(separator: ", ")
                throw BenchError("client process(es) \(missing) did not answer \(word) within \(Int(timeout)) s")
            }
            if answers.contains(where: { $0 == nil }) { runLoop(loop, seconds: 0.02) }
        }
        return answers.map { $0! }
    }

    /// A `word n … | histograms` answer: its leading words and its histograms.
    static func split(_ line: String) throws -> ([Substring], PlacedHistograms) {
        let parts = line.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 4, let histograms = PlacedHistograms(encoded: Array(parts[1...])) else { throw BenchError("unreadable answer: \(line.prefix(200))") }
        return (parts[0].split(separator: " "), histograms)
    }

    /// A node's `/metrics` (one GET, `Connection: close`), samples summed over their labels.
    static func metrics(port: Int) -> [String: Double] {
        let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard let response = LoopbackExchange.send(request, port: port, timeoutSeconds: 5, untilClosed: true) else { return [:] }
        var samples: [String: Double] = [:]
        for line in String(decoding: response, as: UTF8.self).split(separator: "\n") where line.hasPrefix("wavedefect_") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let value = Double(fields[fields.count - 1]) else { continue }
            let name = fields[0].split(separator: "{")[0]
            samples[String(name), default: 0] += value
        }
        return samples
    }

    /// Open file descriptors of a process (entries of /proc/PID/fd).
    static func openFiles(pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}
