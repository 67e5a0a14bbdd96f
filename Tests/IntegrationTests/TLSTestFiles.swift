import Foundation
import Testing

/// A test CA and server certificates, made once per test run with the openssl CLI (as an
/// operator would): the pair the suite's server starts with, a second pair for the SIGHUP
/// reload, an expired certificate and a key that belongs to no certificate.
final class TLSTestFiles: Sendable {
    static let shared: TLSTestFiles? = try? TLSTestFiles()

    let directory: String
    var ca: String { "\(directory)/ca.pem" }
    /// What the suite's server reads (rewritten by the reload test).
    var certificate: String { "\(directory)/live-cert.pem" }
    var key: String { "\(directory)/live-key.pem" }
    var firstCertificate: String { "\(directory)/first.pem" }
    var firstKey: String { "\(directory)/first.key" }
    var secondCertificate: String { "\(directory)/second.pem" }
    var secondKey: String { "\(directory)/second.key" }
    var expiredCertificate: String { "\(directory)/expired.pem" }
    var strayKey: String { "\(directory)/stray.key" }

    /// `serve` flags for the suite's server (nothing when the files could not be made: the
    /// suite's tests then fail on the plain server).
    static var serverArguments: [String] {
        guard let files = shared else { return [] }
        return ["--tls-cert", files.certificate, "--tls-key", files.key]
    }

    /// `serve` flags with the first pair itself, for a suite whose server must not see the
    /// reload test rewrite the live pair.
    static var firstPairServerArguments: [String] {
        guard let files = shared else { return [] }
        return ["--tls-cert", files.firstCertificate, "--tls-key", files.firstKey]
    }

    private init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        try Self.openssl(["req", "-x509"] + ec + ["-keyout", "\(directory)/ca.key", "-out", ca, "-days", "3", "-subj", "/CN=WaveDefect test CA"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: "\(directory)/san.cnf", atomically: true, encoding: .utf8)
        for (name, subject, days) in [("first", "/CN=127.0.0.1", "3"), ("second", "/CN=reloaded", "3"), ("expired", "/CN=expired", "-1")] {
            try Self.openssl(["req"] + ec + ["-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr", "-subj", subject])
            try Self.openssl([
                "x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", ca, "-CAkey", "\(directory)/ca.key", "-CAcreateserial",
                "-out", "\(directory)/\(name).pem", "-days", days, "-extfile", "\(directory)/san.cnf",
            ])
        }
        try Self.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", strayKey])
        try FileManager.default.copyItem(atPath: firstCertificate, toPath: certificate)
        try FileManager.default.copyItem(atPath: firstKey, toPath: key)
    }

    struct ToolFailed: Error, CustomStringConvertible {
        let description: String
    }

    private static func openssl(_ arguments: [String]) throws {
        let (status, output) = try runTool("openssl", arguments)
        guard status == 0 else { throw ToolFailed(description: "openssl \(arguments.joined(separator: " ")): \(output)") }
    }

    /// Replaces the live pair with copies of `certificate` and `key`.
    func install(certificate source: String, key sourceKey: String) throws {
        for (from, to) in [(source, certificate), (sourceKey, key)] {
            try? FileManager.default.removeItem(atPath: to)
            try FileManager.default.copyItem(atPath: from, toPath: to)
        }
    }
}

/// Runs a tool found on PATH; returns its exit status and combined output.
func runTool(_ tool: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// What each test of a suite on a TLS server starts from: the suite's server, the test
/// certificates, and a client context that trusts only the test CA.
struct TLSSuiteFixture {
    let server: ServerProcess
    let files: TLSTestFiles
    let tls: TestTLS

    init() throws {
        server = try .shared
        files = try #require(TLSTestFiles.shared, "the openssl CLI could not make the test certificates")
        tls = try TestTLS(caFile: files.ca)
    }
}

/// A suite on a TLS server (`TLSSuiteFixture`), whose tests name its parts directly.
protocol TLSSuite {
    var fixture: TLSSuiteFixture { get }
}

extension TLSSuite {
    var server: ServerProcess { fixture.server }
    var files: TLSTestFiles { fixture.files }
    var tls: TestTLS { fixture.tls }
}
