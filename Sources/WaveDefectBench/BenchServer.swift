import Foundation
import Glibc
import TLSCore

/// The server under test: either spawned by the benchmark (`wavedefect serve --dev` on a
/// free port) or an existing process given by port and pid. Its CPU time and memory are read
/// from /proc, so the numbers are the server's alone, not the load generator's.
public final class BenchServer {
    public let port: Int
    public let pid: Int32
    private let process: Process?
    private let directory: URL?
    /// Set when the server speaks TLS: what the load generator's clients connect with.
    public private(set) var tls: TLSContext?

    /// Spawns `executable serve --dev` with `extraArguments`; `tls` adds `--dev-tls` and has
    /// the clients trust the certificate it makes.
    public init(executable: String, extraArguments: [String] = [], tls: Bool = false) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wd-bench-\(getpid())-\(Int.random(in: 0...999_999))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let portFile = dir.appendingPathComponent("port")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = ["serve", "--dev", "--no-demo-catalog", "--port", "0", "--port-file", portFile.path, "--log-level", "warning",
                       "--db", dir.appendingPathComponent("bench.sqlite").path, "--rooms-dir", dir.path,
                       // Benchmarks fill one room with thousands: no default seat limit.
                       "--max-participants", "0"] + (tls ? ["--dev-tls"] : []) + extraArguments
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        var port = 0
        for _ in 0..<1000 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let v = Int(text) {
                port = v
                break
            }
            guard p.isRunning else { break }
            usleep(10_000)
        }
        guard port > 0 else {
            p.terminate()
            throw BenchError("the server did not start")
        }
        self.port = port
        self.pid = p.processIdentifier
        self.process = p
        self.directory = dir
        if tls {
            self.tls = try TLSContext.client(caFile: dir.appendingPathComponent("tls/dev-cert.pem").path)
        }
    }

    /// An already running server; `tls`: it speaks TLS, and this context verifies it.
    public init(port: Int, pid: Int32, tls: TLSContext? = nil) {
        self.port = port
        self.pid = pid
        self.tls = tls
        process = nil
        directory = nil
    }

    public func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    deinit {
        stop()
    }

    /// User + system CPU seconds the server has used so far.
    public func cpuSeconds() -> Double {
        ProcessStats.cpuSeconds(pid: pid)
    }

    /// Resident memory in bytes.
    public func residentBytes() -> Int {
        ProcessStats.residentBytes(pid: pid)
    }

    /// Resident anonymous memory (heap and anonymous mappings) in bytes: what connections
    /// cost, without the shared-library pages that first use of a code path pulls in.
    public func residentAnonymousBytes() -> Int {
        ProcessStats.residentBytes(pid: pid, field: "RssAnon:")
    }
}

public enum ProcessStats {
    /// utime + stime from /proc/PID/stat, in seconds.
    public static func cpuSeconds(pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name: state is field 3; utime and stime are fields 14, 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return 0 }
        return (utime + stime) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A field of /proc/PID/status (VmRSS by default), in bytes.
    public static func residentBytes(pid: Int32, field: String = "VmRSS:") -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
