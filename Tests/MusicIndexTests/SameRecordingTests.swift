import DemoAudio
import Foundation
import Testing
import WireJSON

/// Near-duplicate collapse in `wavedefect similar` by fingerprint agreement
/// (docs/recognition.md#same-recording): a re-encoded copy of a track folds into it, a
/// different song of the same style does not, however close its embedding.
@Suite struct SameRecordingTests {
    /// Encodes `wav` as MP3 at `bitrate` with the ffmpeg command (scripts/install-deps.sh).
    static func mp3(_ wav: String, _ out: String, bitrate: String = "96k") throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", wav, "-c:a", "libmp3lame", "-b:a", bitrate, out]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "ffmpeg failed on \(wav)")
    }

    @Test func aReEncodedCopyCollapsesAndAnotherSongOfTheStyleDoesNot() throws {
        let dir = try TemporaryDirectory()
        // 4 variants of every demo style (the index standardizes over a catalog like the
        // shipped one) and an MP3 of the first house track.
        let demo = try CommandLineTests.run(["demo-catalog", "--dir", dir.file("music"), "--variants", "4", "--duration", "8"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let house = (0..<4).map { DemoTrack(style: .house, variant: $0, duration: 8).fileName }
        try Self.mp3(dir.file("music/\(house[0])"), dir.file("music/reencode.mp3"))
        let db = dir.file("catalog.sqlite")
        let ingest = try CommandLineTests.run(["ingest", "--db", db, dir.file("music"), "--quiet"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let name = { (result: JSONValue) in URL(fileURLWithPath: result["path"]?.stringValue ?? "").lastPathComponent }

        // Seeded with the fourth house track: without collapse, the other house songs sit
        // closer to it than the MP3 to its own original (so a cosine rule could not tell).
        let seed = dir.file("music/\(house[3])")
        let plain = try CommandLineTests.run(["similar", "--db", db, "--seed", seed, "-k", "6", "--json", "--no-dedup"])
        let all = try #require(try JSONParser.parse(plain.stdout)["results"]?.arrayValue)
        #expect(Set(all.prefix(4).map(name)) == [house[0], house[1], house[2], "reencode.mp3"], "\(plain.stdout)")

        let collapsed = try CommandLineTests.run(["similar", "--db", db, "--seed", seed, "-k", "6", "--json"])
        #expect(collapsed.status == 0, "\(collapsed.stderr)")
        let results = try #require(try JSONParser.parse(collapsed.stdout)["results"]?.arrayValue)
        // The original and its MP3 are one result (either may rank first) with the other as its
        // duplicate; the other house songs are results of their own; nothing else collapses.
        let copies = results.filter { [house[0], "reencode.mp3"].contains(name($0)) }
        #expect(copies.count == 1, "\(collapsed.stdout)")
        let copyIDs = all.filter { [house[0], "reencode.mp3"].contains(name($0)) }.compactMap { $0["id"]?.int64Value }
        #expect(copies.first?["duplicates"]?.arrayValue?.compactMap(\.int64Value) == copyIDs.filter { $0 != copies.first?["id"]?.int64Value })
        #expect(Set(results.map(name)).isSuperset(of: [house[1], house[2]]))
        #expect(results.count == 6 && results.filter { $0["duplicates"] != nil }.count == 1, "\(collapsed.stdout)")
    }
}
