import DemoAudio
import Foundation
import MusicIndex
import MusicIngest
import Testing
import WireJSON

@testable import MusicCatalog

/// Runs the built `wavedefect` binary the way a user would.
@Suite struct CommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// The executable SwiftPM built next to the test bundle's resources.
    static var binary: String {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("wavedefect").path
    }

    /// Runs the binary with `arguments`, in `directory` when given, with the test's
    /// environment minus `removingEnvironment`.
    static func run(_ arguments: [String], in directory: String? = nil, removingEnvironment: [String] = []) throws -> Run {
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build the wavedefect product first: \(binary)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var environment = ProcessInfo.processInfo.environment
        for name in removingEnvironment { environment[name] = nil }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a full pipe cannot block the child.
        let errData = DataBox()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        return Run(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.value, as: UTF8.self))
    }

    @Test func embedPrintsOneJSONLinePerGoodFileAndFailsOnABadOne() throws {
        let dir = try TemporaryDirectory()
        let bad = try dir.write("broken.mp3", Array("definitely not an mp3".utf8))
        let good = Fixtures.path("tone.ogg")
        let result = try Self.run(["embed", "--json", good, bad])
        #expect(result.status == 1)
        #expect(result.lines.count == 1)
        let line = try JSONParser.parse(result.lines[0])
        #expect(line["file"]?.stringValue == good)
        #expect(line["vector"]?.arrayValue?.count == 40)
        #expect(line["sample_rate"]?.int64Value == 22_050)
        #expect(abs((line["duration"]?.doubleValue ?? 0) - 1.5) < 0.01)
        #expect(result.stderr.contains(bad))
        #expect(!result.stdout.contains(bad))
        // The printed vector is the library's vector.
        let reference = FormatParityTests.fixture["files"]!.arrayValue!.first { $0["file"]?.stringValue == "tone.ogg" }!
        let printed = line["vector"]!.floats
        #expect(maxAbsDifference(printed, reference["ffmpeg_pcm"]!["embedding"]!.floats) < 1.5e-4)
        let ok = try Self.run(["embed", "--json", good])
        #expect(ok.status == 0 && ok.stderr.isEmpty)
    }

    @Test func benchRerankPrintsLatenciesPerShapeAndRefusesBadShapes() throws {
        let run = try Self.run(["bench", "rerank", "--shapes", "300x8", "500x16", "--thumbs", "4"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.filter { $0.contains("thumb up p50") && $0.contains("thumb down p50") }.count == 2, "\(run.stdout)")
        #expect(run.lines.filter { $0.contains("without the per-anchor cache") }.count == 2, "\(run.stdout)")
        let bad = try Self.run(["bench", "rerank", "--shapes", "300by8"])
        #expect(bad.status != 0 && bad.stderr.contains("bad shape 300by8"), "\(bad.stderr)")
    }

    @Test func ingestSimilarAndImportVectorsWorkEndToEnd() throws {
        let dir = try TemporaryDirectory()
        let db = dir.file("catalog.sqlite")
        let demo = try Self.run(["demo-catalog", "--dir", dir.file("demo"), "--db", db, "--variants", "1", "--duration", "4"])
        #expect(demo.status == 0, "\(demo.stderr)")
        try dir.write("music/tone.flac", Fixtures.bytes("tone.flac"))
        try dir.write("music/junk.wav", Array("RIFF....WAVEjunk".utf8))
        let ingest = try Self.run(["ingest", "--db", db, dir.file("music"), "--quiet"])
        #expect(ingest.status == 1)  // junk.wav failed …
        #expect(ingest.stderr.contains("junk.wav"))
        #expect(ingest.stdout.contains("added 1"))  // … and tone.flac is in
        let again = try Self.run(["ingest", "--db", db, dir.file("music/tone.flac")])
        #expect(again.status == 0 && again.stdout.contains("already in catalog 1"))

        // "What is this file?": the M4A of tone.flac is not in the catalog; tone.flac comes first.
        let similar = try Self.run(["similar", "--db", db, "--seed", Fixtures.path("tone.m4a"), "-k", "3", "--json"])
        #expect(similar.status == 0, "\(similar.stderr)")
        let results = try #require(try JSONParser.parse(similar.stdout)["results"]?.arrayValue)
        #expect(results.count == 3)
        #expect(results[0]["id"]?.int64Value == 13)
        #expect(results[0]["path"]?.stringValue == dir.file("music/tone.flac"))
        #expect(results[0]["title"]?.stringValue == "tone")
        #expect((results[0]["score"]?.doubleValue ?? 0) > 0.9)  // AAC at 64k vs FLAC, 13-track catalog: 0.966
        #expect(results.allSatisfy { $0["why"]?.stringValue?.isEmpty == false && $0["artist"] != nil })

        // Seeding with a catalog track: never in its own results; MMR and several seeds run.
        let bySeed = try Self.run(["similar", "--db", db, "--seed", "13", "--seed", "1", "--mmr", "0.7", "--json"])
        let ids = try JSONParser.parse(bySeed.stdout)["results"]!.arrayValue!.compactMap { $0["id"]?.int64Value }
        #expect(ids.count == 10 && !ids.contains(13) && !ids.contains(1))

        // Vectors of another model, any dimension, then searched by that model.
        var lines = ""
        for id in 1...13 { lines += "{\"id\": \(id), \"vector\": [\((0..<64).map { j in String(Float((id * 7 + j) % 11) - 5) }.joined(separator: ","))]}\n" }
        let vectors = try dir.write("clap.jsonl", Array(lines.utf8))
        let imported = try Self.run(["import-vectors", "--db", db, "--model", "clap-64", vectors])
        #expect(imported.status == 0 && imported.stdout.contains("imported 13 vectors of dimension 64"), "\(imported.stderr)")
        let byModel = try Self.run(["similar", "--db", db, "--model", "clap-64", "--seed", "2", "-k", "2"])
        #expect(byModel.status == 0 && byModel.lines.count == 3)
        let unknown = try dir.write("bad.jsonl", Array("{\"id\": 999, \"vector\": [1]}\n".utf8))
        let refused = try Self.run(["import-vectors", "--db", db, "--model", "other", unknown])
        #expect(refused.status != 0 && refused.stderr.contains("no track with id 999"))
    }

    @Test func ingestDrawsAProgressBarOnlyOnATerminal() throws {
        let dir = try TemporaryDirectory()
        try dir.write("in/a.flac", Fixtures.bytes("tone.flac"))
        try dir.write("in/b.ogg", Fixtures.bytes("tone.ogg"))
        let piped = try Self.run(["ingest", "--db", dir.file("piped.sqlite"), dir.file("in")])
        #expect(piped.status == 0 && !piped.stderr.contains("[#"))
        // util-linux `script` gives the command a pseudo-terminal.
        let command = [Self.binary, "ingest", "--db", dir.file("tty.sqlite"), dir.file("in")].joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("[###############...............] 1/2"))
        #expect(text.contains("[##############################] 2/2"))
    }

    @Test func similarExplainsBadSeeds() throws {
        let dir = try TemporaryDirectory()
        let db = dir.file("c.sqlite")
        _ = try Catalog(path: db)  // a catalog with no tracks yet
        let empty = try Self.run(["similar", "--db", db, "--seed", "1"])
        #expect(empty.status != 0 && empty.stderr.contains("run `wavedefect ingest --db \(db) FILES…` first"), "\(empty.stderr)")
        _ = try Self.run(["ingest", "--db", db, Fixtures.path("tone.flac"), Fixtures.path("tone.ogg")])
        let missing = try Self.run(["similar", "--db", db, "--seed", "77"])
        #expect(missing.status != 0 && missing.stderr.contains("track 77"))
        let lambda = try Self.run(["similar", "--db", db, "--seed", "1", "--mmr", "2"])
        #expect(lambda.status != 0 && lambda.stderr.contains("--mmr"))
    }
}

extension CommandLineTests {
    @Test func similarNeverCreatesACatalogAndSaysHowOneIsMade() throws {
        let dir = try TemporaryDirectory()
        let typo = dir.file("typo.sqlite")
        let missing = try Self.run(["similar", "--db", typo, "--seed", "1"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no catalog at \(typo)"), "\(missing.stderr)")
        #expect(missing.stderr.contains("wavedefect ingest"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        // A file that is not a catalog is reported and left exactly as it was.
        let text = try dir.write("notes.txt", Array("just some notes, not SQLite\n".utf8))
        let notDatabase = try Self.run(["similar", "--db", text, "--seed", "1"])
        #expect(notDatabase.status == 1 && notDatabase.stderr.contains("cannot open catalog \(text)"), "\(notDatabase.stderr)")
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: text))) == Array("just some notes, not SQLite\n".utf8))
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: dir.path)) == ["notes.txt"])
    }

    @Test func aReadOnlyOpenRefusesAnOlderSchemaInsteadOfMigratingIt() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("old.sqlite")
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute(Catalog.migrations[0])
            try connection.execute("PRAGMA user_version = 1")
        }
        #expect(throws: CatalogError.schemaTooOld(found: 1, known: Catalog.migrations.count)) { try Catalog(path: path, readOnly: true) }
        #expect(try Catalog(path: path).schemaVersion == Catalog.migrations.count)  // a writer migrates it
        #expect(try Catalog(path: path, readOnly: true).trackCount() == 0)
        #expect(throws: SQLiteError.self) { try Catalog(path: dir.file("absent.sqlite"), readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: dir.file("absent.sqlite")))
    }

    @Test func musicCommandsDefaultToTheServersCatalog() throws {
        let dir = try TemporaryDirectory()
        let ingest = try Self.run(["ingest", Fixtures.path("tone.flac"), Fixtures.path("tone.ogg"), "--quiet"], in: dir.path)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.file("data/wavedefect.sqlite")))
        let similar = try Self.run(["similar", "--seed", "1", "--json"], in: dir.path)
        #expect(similar.status == 0, "\(similar.stderr)")
        #expect(try JSONParser.parse(similar.stdout)["results"]?.arrayValue?.first?["id"]?.int64Value == 2)
        let help = try Self.run(["similar", "--help"])
        #expect(help.stdout.contains("(default: data/wavedefect.sqlite)"))
    }

    @Test func otherModelsPointToImportVectorsNotIngest() throws {
        let dir = try TemporaryDirectory()
        let db = dir.file("c.sqlite")
        _ = try Self.run(["ingest", "--db", db, Fixtures.path("tone.flac"), "--quiet"])
        let clap = try Self.run(["similar", "--db", db, "--model", "clap", "--seed", "1"])
        #expect(clap.status == 1)
        #expect(clap.stderr.contains("no clap vectors; store them with `wavedefect import-vectors --db \(db) --model clap FILE`"), "\(clap.stderr)")
        #expect(clap.stderr.contains("models with vectors: mfcc"))
        #expect(!clap.stderr.contains("run `wavedefect ingest"))
    }

    @Test func ingestHelpStatesEachDefaultOnce() throws {
        let help = try Self.run(["ingest", "--help"])
        #expect(help.status == 0)
        let threads = try #require(help.stdout.split(separator: "\n").first { $0.contains("--threads <n>") && !$0.contains("USAGE") })
        #expect(threads.contains("(default: all cores)"))
        #expect(help.stdout.components(separatedBy: "(default:").count - 1 == help.stdout.components(separatedBy: "\n").filter { $0.contains("(default:") }.count)
        #expect(!help.stdout.contains("all cores). (default"))
        let zero = try Self.run(["ingest", "--threads", "0", Fixtures.path("tone.flac")])
        #expect(zero.status == 64 && zero.stderr.contains("--threads must be at least 1"))
    }

    @Test func tokenMistakesShowTheTokenUsage() throws {
        let noKey = try Self.run(["token", "--identity", "alice", "--room", "lab"], removingEnvironment: ["WAVEDEFECT_KEYS"])
        #expect(noKey.status == 64)
        #expect(noKey.stderr.contains("no signing key: pass --dev, --api-key/--api-secret, or set WAVEDEFECT_KEYS"))
        #expect(noKey.stderr.contains("Usage: wavedefect token"), "\(noKey.stderr)")
        #expect(!noKey.stderr.contains("wavedefect <subcommand>"))
        let ttl = try Self.run(["token", "--dev", "--identity", "a", "--room", "lab", "--ttl", "soon"])
        #expect(ttl.status == 64 && ttl.stderr.contains("--ttl") && ttl.stderr.contains("Usage: wavedefect token"))
        let ok = try Self.run(["token", "--dev", "--identity", "a", "--room", "lab"])
        #expect(ok.status == 0 && ok.stdout.split(separator: ".").count == 3)
    }

    @Test func ingestingTheDemoDirectoryNamesTracksAsTheServerDoes() throws {
        let dir = try TemporaryDirectory()
        let written = try Self.run(["demo-catalog", "--dir", dir.file("demo"), "--variants", "1", "--duration", "2"])
        #expect(written.status == 0, "\(written.stderr)")
        let db = dir.file("c.sqlite")
        let ingest = try Self.run(["ingest", "--db", db, dir.file("demo"), "--quiet"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let byCommand = try Catalog(path: db).allTracks()
        // What the server's DemoCatalog.ensure stores for the same tracks.
        let served = try Catalog(path: ":memory:")
        try DemoCatalog.ensure(in: served, directory: dir.file("demo"), tracks: DemoTrack.catalog(variantsPerStyle: 1, duration: 2))
        let byServer = try served.allTracks()
        #expect(byCommand.count == byServer.count && !byCommand.isEmpty)
        #expect(Set(byCommand.map { [$0.title, $0.artist, $0.album] }) == Set(byServer.map { [$0.title, $0.artist, $0.album] }))
        #expect(Set(byCommand.compactMap(\.title)) == Set(DemoTrack.catalog(variantsPerStyle: 1, duration: 2).map(\.title)))
        #expect(byCommand.allSatisfy { $0.title.map { !$0.hasSuffix(".wav") && !$0.hasPrefix("demo-") } ?? false })
    }
}

/// A write-once box for the stderr reader thread.
final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return data != nil }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data ?? Data() }
}
