import DemoAudio
import Foundation
import MusicIngest
import Testing
import WireJSON

@testable import MusicCatalog

/// `wavedefect recognize` and `wavedefect fingerprint`, run as a user would, on a catalog of
/// demo tracks of five styles (a sixth style is the song that is not in the catalog).
@Suite struct RecognizeCommandTests {
    static let catalogTracks = [DemoStyle.ambient, .rock, .bossa, .piano, .metal].map { DemoTrack(style: $0, variant: 0, duration: 8) }
    static let stranger = DemoTrack(style: .chiptune, variant: 3, duration: 8)

    /// A catalog of the five tracks (ingested by the command) and the directory holding them.
    static func makeCatalog() throws -> (dir: TemporaryDirectory, db: String) {
        let dir = try TemporaryDirectory()
        for track in catalogTracks { _ = try dir.write(track.fileName, track.wavBytes()) }
        let db = dir.file("catalog.sqlite")
        let ingest = try CommandLineTests.run(["ingest", "--db", db, "--quiet"] + catalogTracks.map { dir.file($0.fileName) })
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return (dir, db)
    }

    static func excerpt(_ track: DemoTrack, from start: Double, seconds: Double, gain: Float = 1) -> [UInt8] {
        let samples = track.render()
        let first = Int(start * Double(track.sampleRate))
        let cut = samples[first..<min(samples.count, first + Int(seconds * Double(track.sampleRate)))].map { $0 * gain }
        return WAVEncoder.encode(channels: [cut], sampleRate: track.sampleRate, tags: WAVEncoder.Tags())
    }

    @Test func anExcerptIsFoundWithItsOffsetAndAStrangerIsNull() throws {
        let (dir, db) = try Self.makeCatalog()
        let bossa = try dir.write("q-bossa.wav", Self.excerpt(Self.catalogTracks[2], from: 2.37, seconds: 3, gain: 0.25))
        let run = try CommandLineTests.run(["recognize", bossa, "--db", db, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.count == 1)
        let match = try #require(try JSONParser.parse(run.lines[0])["match"])
        #expect(match["id"]?.int64Value == 3)
        #expect(match["title"]?.stringValue == Self.catalogTracks[2].title)
        #expect(match["artist"]?.stringValue == Self.catalogTracks[2].artist)
        #expect(match["youtube_url"] == .null, "recognize looks nothing up")
        #expect(match["path"]?.stringValue?.hasSuffix(Self.catalogTracks[2].fileName) == true)
        #expect(abs((match["offset_s"]?.doubleValue ?? 0) - 2.37) < 0.03, "\(run.lines[0])")
        #expect((match["score"]?.doubleValue ?? 0) >= 5)

        let stranger = try dir.write("q-stranger.wav", Self.excerpt(Self.stranger, from: 1, seconds: 5))
        let none = try CommandLineTests.run(["recognize", stranger, "--db", db, "--json"])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(none.stdout == "{\"match\":null}\n")

        // Several files: one line each, with "file", in order.
        let both = try CommandLineTests.run(["recognize", stranger, bossa, "--db", db, "--json"])
        #expect(both.status == 0)
        let lines = try both.lines.map { try JSONParser.parse($0) }
        #expect(lines.map { $0["file"]?.stringValue } == [stranger, bossa])
        #expect(lines[0]["match"] == .null && lines[1]["match"]?["id"]?.int64Value == 3)
    }

    @Test func garbageEmptyAndMissingInputsExitNonZeroWithOneLine() throws {
        let (dir, db) = try Self.makeCatalog()
        for (name, bytes) in [("garbage.mp3", Array("not audio at all, just text".utf8)), ("empty.wav", [])] {
            let path = try dir.write(name, bytes)
            let run = try CommandLineTests.run(["recognize", path, "--db", db, "--json"])
            #expect(run.status != 0)
            #expect(run.stdout.isEmpty)
            #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains(name), "\(run.stderr)")
        }
        let missing = try CommandLineTests.run(["recognize", dir.file("nope.wav"), "--db", db, "--json"])
        #expect(missing.status != 0 && missing.stderr.contains("nope.wav"))
    }

    @Test func allListsEveryTrackOfALongRecordingWithItsTimes() throws {
        let (dir, db) = try Self.makeCatalog()
        // 1 s of silence, 6 s of rock from 1 s in, 5 s of the stranger, 7 s of bossa from 0.5 s.
        let rate = 22_050
        let rock = Self.catalogTracks[1].render(), bossa = Self.catalogTracks[2].render()
        var mix = [Float](repeating: 0, count: rate)
        mix += rock[rate..<(7 * rate)]
        mix += Self.stranger.render()[0..<(5 * rate)]
        mix += bossa[(rate / 2)..<(rate / 2 + 7 * rate)]
        let path = try dir.write("mix.wav", WAVEncoder.encode(channels: [mix], sampleRate: rate, tags: WAVEncoder.Tags()))
        let run = try CommandLineTests.run(["recognize", path, "--db", db, "--json", "--all", "--window", "4", "--step", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        let matches = try #require(try JSONParser.parse(run.lines[0])["matches"]?.arrayValue)
        #expect(matches.map { $0["id"]?.int64Value } == [2, 3], "\(run.stdout)")
        guard matches.count == 2 else { return }
        #expect(abs(matches[0]["start_s"]!.doubleValue! - 1) < 0.5 && abs(matches[0]["end_s"]!.doubleValue! - 7) < 0.8, "\(run.stdout)")
        #expect(abs(matches[0]["offset_s"]!.doubleValue! - (1 + matches[0]["start_s"]!.doubleValue! - 1)) < 0.1)
        #expect(abs(matches[1]["start_s"]!.doubleValue! - 12) < 0.5 && abs(matches[1]["end_s"]!.doubleValue! - 19) < 0.8, "\(run.stdout)")
    }

    @Test func fingerprintBackfillsTracksIngestedWithoutFingerprints() throws {
        let (dir, db) = try Self.makeCatalog()
        // Forget the fingerprints, as a catalog from before fingerprints would be.
        do {
            let catalog = try Catalog(path: db)
            try catalog.locked { try $0.execute("DELETE FROM fingerprints WHERE track_id IN (1, 3)") }
        }
        let query = try dir.write("q.wav", Self.excerpt(Self.catalogTracks[0], from: 1, seconds: 4))
        let before = try CommandLineTests.run(["recognize", query, "--db", db, "--json"])
        #expect(before.stdout == "{\"match\":null}\n", "\(before.stdout)")
        let backfill = try CommandLineTests.run(["fingerprint", "--db", db])
        #expect(backfill.status == 0, "\(backfill.stderr)")
        #expect(backfill.stdout.hasPrefix("fingerprinted 2, skipped 0 (no local file), failed 0 (catalog: 5 of 5 tracks fingerprinted"), "\(backfill.stdout)")
        let after = try CommandLineTests.run(["recognize", query, "--db", db, "--json"])
        #expect(try JSONParser.parse(after.lines.first ?? "{}")["match"]?["id"]?.int64Value == 1, "\(after.stdout)")
        let again = try CommandLineTests.run(["fingerprint", "--db", db])
        #expect(again.stdout.hasPrefix("fingerprinted 0,"))
    }
}
