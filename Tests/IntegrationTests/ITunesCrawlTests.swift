import Foundation
import Testing
import WireJSON

/// `wavedefect crawl` against the fake iTunes: real AAC previews, one that is not audio, one
/// too slow, one song without a preview.
@Suite(.blocking) struct ITunesCrawlTests {
    @Test func crawlBuildsASearchableCatalogPacedAndFetchesEachPreviewOnce() throws {
        let fake = try FakeITunesProcess(slowSeconds: 4)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wd-crawl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("catalog.sqlite").path
        let arguments = ["crawl", "--term", "fakecrawl", "--limit", "20", "--db", db, "--itunes-base", fake.base, "--calls-per-minute", "120", "--timeout", "2", "--max-retries", "1"]

        let launched = Date().timeIntervalSince1970
        let first = try runWavedefect(arguments)
        // The two bad previews make the exit status 1; the four good ones are stored.
        #expect(first.status == 1, "\(first.stderr)")
        #expect(first.stdout.contains("stored 4, already in catalog 0, failed 2, without preview 1 (catalog now 4 tracks)"), "\(first.stdout)")
        // Not a terminal: plain progress lines, one per song, and a clear error for each failure.
        #expect(first.stderr.contains("crawl: 7 songs found, 6 with a preview"))
        #expect(first.stderr.contains("Crawl Not Audio: failed: preview of iTunes track 910005 (1560 bytes) is not audio:"), "\(first.stderr)")
        #expect(first.stderr.contains("Crawl Slow Song: failed: preview of iTunes track 910006 not downloaded: timedOut"), "\(first.stderr)")
        #expect(first.stderr.contains("crawl: 6/6 "))
        #expect(!first.stderr.contains("\u{1B}["))

        // One search, six downloads and one retry of the slow one (it timed out: transient),
        // paced 60/120 = 0.5 s apart: call k cannot arrive before its slot, k × 0.5 s after the
        // crawl was launched (a bound no scheduling delay of the fake's threads can break;
        // unpaced, the eight calls take well under 3 s). The preview that is not audio is not
        // retried: asking again gets the same bytes.
        let calls = fake.requests
        #expect(calls.count == 8)
        #expect(calls.filter { $0.path == "/preview/910006.m4a" }.count == 2)
        #expect(calls.first?.path == "/search?term=fakecrawl&media=music&entity=song&limit=20")
        for (k, call) in calls.enumerated() { #expect(call.time - launched >= Double(k) * 0.5, "call \(k): \(call.path)") }

        // Again: the stored songs are known by their iTunes id, so only the two failures are
        // downloaded again (the slow one twice: a retry).
        let second = try runWavedefect(arguments)
        #expect(second.stdout.contains("stored 0, already in catalog 4, failed 2, without preview 1 (catalog now 4 tracks)"), "\(second.stdout)")
        let again = fake.requests.dropFirst(calls.count).map(\.path).filter { $0.hasPrefix("/preview/") }.sorted()
        #expect(again == ["/preview/910005.m4a", "/preview/910006.m4a", "/preview/910006.m4a"])

        // The crawled catalog is the server's: searchable, with the decoded preview's length.
        let server = try ServerProcess(arguments: ["--db", db])
        let answer = try TestSocket.get(port: server.port, "/api/tracks?q=pink%20noise")
        #expect(answer.status == 200)
        let tracks = try #require(try JSONParser.parse(answer.bodyText)["tracks"]?.arrayValue)
        let pink = try #require(tracks.first { $0["title"] == "Crawl Pink Noise" })
        #expect(pink["artist"] == "Crawl Noise" && pink["album"] == "Crawl Album")
        #expect(abs((pink["duration_s"]?.doubleValue ?? 0) - 30) < 0.5)
    }

    /// On a terminal (a pseudo-terminal from `script`) the progress is a bar redrawn in place.
    @Test func crawlDrawsAProgressBarOnATerminal() throws {
        let fake = try FakeITunesProcess()
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("wd-crawl-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let command = [ServerProcess.binary.path, "crawl", "--term", "sine", "--limit", "5", "--db", db, "--itunes-base", fake.base, "--calls-per-minute", "6000"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command.joined(separator: " "), "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("\r[###############...............] 1/2 Crawl Band – Crawl Sine "), "\(text)")
        #expect(text.contains("\r[##############################] 2/2 Crawl Band – Crawl Sine "), "\(text)")
        #expect(!text.contains("crawl: 1/2"), "no plain lines on a terminal")
        #expect(text.contains("stored 2, already in catalog 0, failed 0, without preview 0"))
    }

    @Test func crawlRefusesBadOptions() throws {
        let r = try runWavedefect(["crawl", "--term", "x", "--limit", "500", "--db", "/nonexistent/x.sqlite"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--limit must be in 1...200"))
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("wd-crawl-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let unreachable = try runWavedefect(["crawl", "--term", "x", "--limit", "1", "--itunes-base", "http://127.0.0.1:\(try unusedPort())", "--db", db])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("Error: crawl: iTunes search failed: couldNotConnect"), "\(unreachable.stderr)")
    }
}
