import CryptoPrimitives
import Foundation
import Testing
import WireJSON

/// `python/fake_upstream.py` on an ephemeral loopback port: the Spotify Web API and the
/// YouTube Data API as the server sees them in tests (routes and scenarios are listed in the
/// script). One per suite: `.sharedServer(upstream: true)` starts it before the suite's server
/// and points `--spotify-api-base`, `--itunes-base` and `--youtube-api-base` at it; tests read
/// it with `FakeUpstream.shared`. Every request it got is in `records()`, each logged as it
/// arrives (before it is answered).
final class FakeUpstream: @unchecked Sendable {
    private let helper: PythonHelperProcess

    /// The YouTube key the fake accepts.
    static let youtubeKey = "test-youtube-key"

    var port: Int { helper.port }
    var url: String { "http://127.0.0.1:\(port)" }

    /// The server flags that send every upstream here.
    var serverArguments: [String] {
        ["--spotify-api-base", url, "--itunes-base", url, "--youtube-api-base", url]
    }

    init() throws {
        helper = try PythonHelperProcess(script: "fake_upstream.py", logName: "requests.jsonl", arguments: ["--slow-seconds", "6"], startTimeout: 30)
    }

    /// One request the fake received.
    struct Record: CustomStringConvertible {
        let json: JSONValue
        var route: String? { json["route"]?.stringValue }
        /// Path and query, any `key=` value replaced by `KEY`.
        var path: String { json["path"]?.stringValue ?? "" }
        var scenario: String { json["scenario"]?.stringValue ?? "" }
        var tokenDigest: String? { json["token_sha256"]?.stringValue }
        /// 1-based count per (route, token).
        var n: Int { json["n"]?.int64Value.map { Int($0) } ?? 0 }
        /// Arrival, seconds since 1970 (the test's wall clock).
        var time: Double { json["t"]?.doubleValue ?? 0 }
        var description: String { "\(path) \(scenario) n=\(n) t=\(time)" }
    }

    func records() -> [Record] {
        helper.logLines.compactMap { try? JSONParser.parse(String($0)) }.map(Record.init)
    }

    /// Requests made with `token` (a Spotify bearer token or a YouTube key) to `route`.
    func records(token: String, route: String? = nil) -> [Record] {
        let digest = Self.digest(token)
        return records().filter { $0.tokenDigest == digest && (route == nil || $0.route == route) }
    }

    /// Polls the log until `done` holds for the requests made with `token` (or `timeout`
    /// passes); returns them.
    @discardableResult
    func waitFor(token: String, route: String? = nil, timeout: Double = 20, _ done: ([Record]) -> Bool) -> [Record] {
        let deadline = Date().addingTimeInterval(timeout)
        var current = records(token: token, route: route)
        while !done(current) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            current = records(token: token, route: route)
        }
        return current
    }

    /// Holds `token`'s scenario at its first state until `advance(_:to:)` (the script's
    /// docstring): a test that must hear every state waits for each before the next.
    func hold(_ token: String) throws {
        try control("/hold", token)
    }

    /// Moves a held token's scenario to its state number `step`.
    func advance(_ token: String, to step: Int) throws {
        try control("/advance?to=\(step)", token)
    }

    private func control(_ path: String, _ token: String) throws {
        let r = try TestSocket.request(port: port, "POST \(path) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        guard r.status == 200 else { throw ControlRefused(path: path, answer: r.bodyText) }
    }

    struct ControlRefused: Error, CustomStringConvertible {
        let path: String, answer: String
        var description: String { "the fake refused \(path): \(answer)" }
    }

    /// Waits until the fake has made every iTunes preview (`/previews-ready`): before that a
    /// download runs ffmpeg while the server waits, and on a loaded machine outlasts its timeout.
    func waitForPreviews() throws {
        let r = try TestSocket.request(port: port, "GET /previews-ready?timeout=120 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", timeout: 125)
        guard r.status == 200 else { throw PreviewsNotReady(answer: r.bodyText) }
    }

    struct PreviewsNotReady: Error, CustomStringConvertible {
        let answer: String
        var description: String { "the fake's previews were not made within 120 s: \(answer)" }
    }

    static func digest(_ secret: String) -> String {
        Digest.sha256(Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The suite's fake (`.sharedServer(upstream: true)`).
    @TaskLocal static var suiteUpstream: FakeUpstream?

    static var shared: FakeUpstream {
        get throws {
            guard let upstream = suiteUpstream else { throw ServerProcess.NoSharedServer() }
            return upstream
        }
    }
}
