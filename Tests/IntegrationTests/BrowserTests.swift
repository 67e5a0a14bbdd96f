import Foundation
import Testing

/// The web page in real headless Chromium (Debian's `chromium` and `chromium-driver`, driven by
/// Selenium for Python): every `Tests/Browser/scenario_*.py` is one test, run by
/// `Tests/Browser/run.py` against this suite's server — dev mode, the repository's `web/`, its
/// `rooms/` and the scenarios' own (`Tests/Browser/rooms/`: a crowded room), the demo catalog
/// built and the demo room's host profile stored, and a YouTube key whose searches go to
/// `FakeUpstream` (so recommendations and recognitions show their "YouTube" links;
/// docs/youtube.md). A scenario fails
/// on a failed assertion or on any error in a page's console. Screenshots go to
/// `$WAVEDEFECT_SCREENSHOTS` (default `.build/screenshots`; `make screenshots` writes
/// `docs/screenshots/`).
///
/// Skipped only when the machine has no Chromium at all (CI installs it through
/// scripts/install-deps.sh); a missing driver or Selenium fails.
@Suite(
    .sharedServer(arguments: ["--youtube-api-key", FakeUpstream.youtubeKey], rooms: BrowserEnvironment.rooms, demoCatalog: true, upstream: true), .serialized,
    .enabled(if: BrowserEnvironment.chromiumInstalled, "no chromium on this machine: apt-get install chromium chromium-driver (scripts/install-deps.sh does)"))
struct BrowserTests {
    static let directory = ServerProcess.repositoryRoot.appendingPathComponent("Tests/Browser")

    static var scenarios: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasPrefix("scenario_") && $0.hasSuffix(".py") }.sorted()
    }

    static var screenshotDirectory: String {
        ProcessInfo.processInfo.environment["WAVEDEFECT_SCREENSHOTS"]
            ?? ServerProcess.repositoryRoot.appendingPathComponent(".build/screenshots").path
    }

    @Test func scenariosExist() {
        #expect(Self.scenarios.contains("scenario_smoke.py"), "Tests/Browser has no scenarios")
    }

    @Test(arguments: BrowserTests.scenarios)
    func scenario(_ file: String) throws {
        let server = try ServerProcess.shared
        try #require(server.waitForLog("host profile stored", timeout: 300), "the demo catalog never became ready:\n\(server.log.suffix(3000))")
        let (status, output) = try runPython(
            [Self.directory.appendingPathComponent("run.py").path, "--base-url", "http://127.0.0.1:\(server.port)",
             "--screenshots", Self.screenshotDirectory, Self.directory.appendingPathComponent(file).path],
            timeout: 300)
        #expect(status == 0, "\(file) failed (exit \(status)):\n\(output)\n--- server log ---\n\(server.log.suffix(3000))")
    }
}

enum BrowserEnvironment {
    /// The room definitions of the suite's server: the repository's `rooms/` and
    /// `Tests/Browser/rooms/`.
    static var rooms: [String: String] {
        var rooms: [String: String] = [:]
        for folder in ["rooms", "Tests/Browser/rooms"].map(ServerProcess.repositoryRoot.appendingPathComponent) {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where file.hasSuffix(".yaml") {
                rooms[file] = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            }
        }
        return rooms
    }

    /// Whether a Chromium is on the PATH (the one reason the browser tests may be skipped).
    static var chromiumInstalled: Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return ["chromium", "chromium-browser", "google-chrome"].contains { name in
            path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
        }
    }
}
