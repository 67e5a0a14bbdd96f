import AccessToken
import Foundation
import Testing
import WireJSON

/// The live `recognizer` (docs/recognition.md#live-recognition-in-a-room) over real sockets
/// with the real binary and the demo catalog: files streamed into a room in real time by
/// `wavedefect agent stream` are named within seconds, each participant hears only its own
/// answers, silence, noise and garbage get `no_match` (and the recognizer keeps working), and
/// a participant who leaves frees its stream. One server for the suite; each test works in a
/// room of its own, with the recognizer dispatched by the first join token's `roomConfig`
/// (which also shortens `no_match_after_s`, so the misses come after 3 s of audio).
@Suite(.sharedServer(demoCatalog: true)) struct RecognizerIntegrationTests {
    static let settings = #"{"no_match_after_s":3}"#

    func demoServer() throws -> ServerProcess {
        let server = try ServerProcess.shared
        try #require(server.waitForLog("demo catalog ready", timeout: 300), "the demo catalog never became ready:\n\(server.log)")
        return server
    }

    func demoFile(_ server: ServerProcess, _ name: String) -> String {
        server.directory.appendingPathComponent("demo/\(name).wav").path
    }

    /// A token whose join (if it creates the room) dispatches the recognizer with `metadata`.
    func token(_ server: ServerProcess, _ identity: String, room: String, metadata: String = RecognizerIntegrationTests.settings) -> String {
        server.token(identity, room: room) { $0.roomAgents = [RoomAgentDispatch(agentName: "recognizer", metadata: metadata)] }
    }

    // MARK: Through `wavedefect agent stream`

    struct StreamRun {
        var answers: [JSONValue]
        var stderr: String
        var status: Int32
        /// Wall seconds from the first frame sent to the first answer that is not `listening`.
        var secondsToAnswer: Double? {
            guard let line = stderr.split(separator: "\n").first(where: { $0.hasPrefix("first answer:") }),
                  let after = line.range(of: " after ") else { return nil }
            return Double(line[after.upperBound...].prefix { $0 != " " })
        }
    }

    /// Starts `wavedefect agent stream FILE …`; `finish` waits for it and reads what it printed.
    final class StreamProcess: @unchecked Sendable {
        let process = Process()
        let out: URL
        let err: URL

        init(port: Int, token: String, file: String, arguments: [String]) throws {
            let dir = FileManager.default.temporaryDirectory
            out = dir.appendingPathComponent("wd-stream-\(UUID().uuidString).out")
            err = dir.appendingPathComponent("wd-stream-\(UUID().uuidString).err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.executableURL = ServerProcess.binary
            process.arguments = ["agent", "stream", file, "--url", "ws://127.0.0.1:\(port)", "--token", token] + arguments
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            try process.run()
        }

        func finish(timeout: Double = 60) throws -> StreamRun {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            let answers = try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
            return StreamRun(answers: answers, stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", status: process.terminationStatus)
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
    }

    @Test func aFileStreamedInRealTimeIsRecognizedWithinSeconds() throws {
        let server = try demoServer()
        let room = ServerProcess.uniqueRoom()
        let file = demoFile(server, "bossa-16")
        let run = try StreamProcess(
            port: server.port, token: token(server, "phone", room: room), file: file, arguments: ["--start", "1", "--until-match", "--linger", "6"]
        ).finish()
        #expect(run.status == 0, "\(run.stderr)")
        let states = run.answers.map { $0["state"]?.stringValue }
        #expect(states == ["listening", "match"], "\(run.answers.map(\.serializedString))\n\(run.stderr)")
        #expect(run.answers.allSatisfy { $0["for"]?.stringValue == "phone" })
        #expect(run.answers.first?["elapsed_s"]?.doubleValue == 0)
        let answer = try #require(run.answers.last)
        let match = try #require(answer["match"])
        #expect(match["path"]?.stringValue == file)
        #expect(match["title"]?.stringValue == "Lazy Breeze" && match["artist"]?.stringValue == "Copacabana Lights")
        #expect(match["youtube_url"] == .null, "this server has no YouTube key: no link, nothing looked up")
        let offset = try #require(match["offset_s"]?.doubleValue)
        #expect(abs(offset - 1) < 0.05, "the stream started 1 s into the track: offset \(offset)")
        let heard = try #require(answer["elapsed_s"]?.doubleValue)
        #expect(heard >= 1 && heard <= 4, "first query after 1 s of audio, then one per second: \(heard)")
        // The why: the offset histogram's top bins, the tallest first and at the match's offset.
        let bins = try #require(match["histogram"]?.arrayValue)
        #expect(!bins.isEmpty && bins.count <= 8)
        let counts = bins.compactMap { $0["count"]?.int64Value }
        #expect(counts == counts.sorted(by: >))
        #expect(abs((bins.first?["offset_s"]?.doubleValue ?? -9) - offset) < 0.03)
        let seconds = try #require(run.secondsToAnswer, "\(run.stderr)")
        print("recognizer: bossa-16 from 1 s, streamed in real time: first match after \(seconds) s of streaming (\(heard) s of audio heard)")
        #expect(seconds < 5, "recognized within a few seconds of real-time streaming")
    }

    @Test func twoParticipantsStreamingAtOnceEachGetTheirOwnAnswer() throws {
        let server = try demoServer()
        let room = ServerProcess.uniqueRoom()
        let files = ["left": demoFile(server, "rock-07"), "right": demoFile(server, "bossa-16")]
        let processes = try files.map { identity, file in
            (identity, file, try StreamProcess(
                port: server.port, token: token(server, identity, room: room), file: file, arguments: ["--start", "2", "--until-match", "--linger", "6"]
            ))
        }
        for (identity, file, process) in processes {
            let run = try process.finish()
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.answers.allSatisfy { $0["for"]?.stringValue == identity }, "only its own answers: \(run.answers.map(\.serializedString))")
            #expect(run.answers.map { $0["state"]?.stringValue } == ["listening", "match"], "\(run.answers.map(\.serializedString))")
            #expect(run.answers.last?["match"]?["path"]?.stringValue == file)
            print("recognizer: \(identity) (\(URL(fileURLWithPath: file).lastPathComponent)) alongside another stream: first match after \(run.secondsToAnswer ?? -1) s")
        }
    }

    /// Encodes `wav` as Opus in `container` (webm or ogg) with the ffmpeg CLI, as a browser's
    /// `MediaRecorder` would record it.
    func opus(_ wav: String, container: String) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("wd-opus-\(UUID().uuidString).\(container)").path
        let ffmpeg = Process()
        ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        ffmpeg.arguments = ["-v", "error", "-y", "-i", wav, "-c:a", "libopus", "-b:a", "48k", out]
        try ffmpeg.run()
        ffmpeg.waitUntilExit()
        try #require(ffmpeg.terminationStatus == 0, "ffmpeg could not encode \(wav) as Opus in \(container)")
        return out
    }

    @Test(arguments: ["webm", "ogg"]) func opusInABrowsersContainerIsDecodedAsAStreamAndRecognized(container: String) throws {
        let server = try demoServer()
        let room = ServerProcess.uniqueRoom()
        let wav = demoFile(server, "rock-07")
        let file = try opus(wav, container: container)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try StreamProcess(
            port: server.port, token: token(server, "browser", room: room), file: file, arguments: ["--format", "container", "--until-match", "--linger", "6"]
        ).finish()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.answers.map { $0["state"]?.stringValue } == ["listening", "match"], "\(run.answers.map(\.serializedString))\n\(run.stderr)")
        #expect(run.answers.last?["match"]?["path"]?.stringValue == wav)
        print("recognizer: rock-07 as \(container)/Opus chunks in real time: first match after \(run.secondsToAnswer ?? -1) s")
    }

    // MARK: Over a raw WebSocket: silence, noise, garbage, leaving

    /// Joins `room` hearing only `recognition`, and waits until the recognizer is present.
    func join(_ server: ServerProcess, _ identity: String, room: String, metadata: String = RecognizerIntegrationTests.settings) throws -> TestWebSocket {
        let ws = try TestWebSocket(port: server.port, token: token(server, identity, room: room, metadata: metadata))
        do {
            let joined = try ws.next(type: "joined")
            try ws.send(json: ["type": "subscribe", "topics": ["recognition"]])
            var present = (joined["participants"]?.arrayValue ?? []).contains { $0["identity"]?.stringValue == "agent-recognizer" }
            while !present {
                let m = try ws.next(type: "participant_joined", timeout: 60)
                present = m["participant"]?["identity"]?.stringValue == "agent-recognizer"
            }
        } catch is TestSocket.Timeout {
            throw NoAnswer(step: "\(identity): joined with the recognizer present", seconds: 60, agentLog: Self.agentLines(server.log))
        }
        return ws
    }

    func announce(_ ws: TestWebSocket, _ control: JSONValue) throws {
        try ws.send(json: ["type": "publish", "topic": "audio.control", "payload": control])
    }

    /// One binary `audio` frame (`u8 topic length, topic, bytes`).
    func sendAudio(_ ws: TestWebSocket, _ bytes: [UInt8]) throws {
        try ws.send(.binary, [5] + Array("audio".utf8) + bytes)
    }

    /// `seconds` of 16 kHz s16le, 100 ms per frame, sent at once (the recognizer's clock is
    /// the audio it hears, so this is `seconds` of audio to it).
    func sendPCM(_ ws: TestWebSocket, seconds: Double, sample: () -> Int16) throws {
        for _ in 0..<Int(seconds * 10) {
            var frame: [UInt8] = []
            frame.reserveCapacity(3_200)
            for _ in 0..<1_600 {
                let v = UInt16(bitPattern: sample())
                frame += [UInt8(v & 0xFF), UInt8(v >> 8)]
            }
            try sendAudio(ws, frame)
        }
    }

    /// Waits for the next answer. The deadline is generous: a passing run answers within
    /// seconds, but in a fresh-clone CI run (every suite at once on 2 cores) one wait passed 20 s.
    func nextRecognition(_ ws: TestWebSocket, _ step: String, timeout: Double = 60) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        do {
            while true {
                let m = try ws.next(type: "data", timeout: max(0.01, deadline.timeIntervalSinceNow))
                if m["topic"]?.stringValue == "recognition", let payload = m["payload"] { return payload }
            }
        } catch is TestSocket.Timeout {
            throw NoAnswer(step: step, seconds: timeout, agentLog: Self.agentLines(try? ServerProcess.shared.log))
        }
    }

    /// Which wait ran out, and what the server logged about its agents meanwhile.
    struct NoAnswer: Error, CustomStringConvertible {
        let step: String
        let seconds: Double
        let agentLog: String
        var description: String { "no recognition answer within \(seconds) s at '\(step)'; the server's agent lines:\n\(agentLog)" }
    }

    static func agentLines(_ log: String?) -> String {
        (log ?? "").split(separator: "\n").filter { $0.contains("agent") }.suffix(40).joined(separator: "\n")
    }

    static let pcm16k: JSONValue = ["format": "s16le", "sample_rate": 16_000]

    @Test func silenceNoiseAndGarbageGetNoMatchAndTheRecognizerKeepsWorking() throws {
        let server = try demoServer()
        let room = ServerProcess.uniqueRoom()
        var random = SystemRandomNumberGenerator()

        // Silence and white noise, announced as PCM: listening, then no_match after 3 s of audio.
        for (identity, sample) in [("quiet", { Int16(0) }), ("hiss", { Int16.random(in: -8_000...8_000, using: &random) })] as [(String, () -> Int16)] {
            let ws = try join(server, identity, room: room)
            try announce(ws, Self.pcm16k)
            let listening = try nextRecognition(ws, "\(identity): listening")
            #expect(listening["state"]?.stringValue == "listening" && listening["for"]?.stringValue == identity)
            try sendPCM(ws, seconds: 4.5, sample: sample)
            let miss = try nextRecognition(ws, "\(identity): no_match after 4.5 s of PCM")
            #expect(miss["state"]?.stringValue == "no_match", "\(identity): \(miss.serializedString)")
            #expect(miss["match"] == nil && miss["error"] == nil)
            let heard = try #require(miss["elapsed_s"]?.doubleValue)
            #expect(heard >= 3 && heard < 4.5, "\(identity): no_match after no_match_after_s of audio, at the next query: \(heard)")
            #expect(try ws.expectSilence(0.5) == nil, "identical answers are not repeated")
        }

        // Bytes that are no audio format: no_match with the reason, at once.
        let junk = try join(server, "junk", room: room)
        try sendAudio(junk, (0..<4_000).map { _ in UInt8.random(in: 0...255, using: &random) })
        #expect(try nextRecognition(junk, "junk: listening")["state"]?.stringValue == "listening")
        let refused = try nextRecognition(junk, "junk: no_match")
        #expect(refused["state"]?.stringValue == "no_match")
        #expect(refused["error"]?.stringValue?.contains("announce it on audio.control") == true, "\(refused.serializedString)")

        // An announcement that cannot be read, then garbage announced as WebM.
        let liar = try join(server, "liar", room: room)
        try announce(liar, ["format": "mp3"])
        #expect(try nextRecognition(liar, "liar: listening (mp3)")["state"]?.stringValue == "listening")
        #expect(try nextRecognition(liar, "liar: unknown format")["error"]?.stringValue?.contains("unknown format") == true)
        try announce(liar, ["format": "webm"])
        #expect(try nextRecognition(liar, "liar: listening (webm)")["state"]?.stringValue == "listening")
        let garbage = (0..<64_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        var failed: JSONValue?
        for start in stride(from: 0, to: garbage.count, by: 4_000) where failed == nil {
            try sendAudio(liar, Array(garbage[start..<start + 4_000]))
            if let r = try? nextRecognition(liar, "liar: garbage", timeout: 0.2) { failed = r }
        }
        if failed == nil { failed = try nextRecognition(liar, "liar: no_match after the garbage", timeout: 10) }
        #expect(failed?["state"]?.stringValue == "no_match")
        #expect(failed?["error"]?.stringValue?.contains("not a WebM stream") == true, "refused at its first bytes: \(failed?.serializedString ?? "")")

        // The recognizer (and the server) still work: a real stream in the same room is named.
        let run = try StreamProcess(
            port: server.port, token: token(server, "after", room: room), file: demoFile(server, "bossa-16"), arguments: ["--until-match", "--linger", "6"]
        ).finish()
        #expect(run.answers.last?["state"]?.stringValue == "match", "\(run.answers.map(\.serializedString))\n\(run.stderr)")
    }

    @Test func leavingFreesTheStreamForTheNextParticipant() throws {
        let server = try demoServer()
        let room = ServerProcess.uniqueRoom()
        let limit = #"{"no_match_after_s":3,"max_streams":1}"#
        let first = try join(server, "first", room: room, metadata: limit)
        try announce(first, Self.pcm16k)
        #expect(try nextRecognition(first, "first: listening")["state"]?.stringValue == "listening")

        let second = try join(server, "second", room: room, metadata: limit)
        try announce(second, Self.pcm16k)
        #expect(try nextRecognition(second, "second: listening")["state"]?.stringValue == "listening")
        let refused = try nextRecognition(second, "second: too many streams")
        #expect(refused["state"]?.stringValue == "no_match")
        #expect(refused["error"]?.stringValue?.contains("too many streams") == true, "\(refused.serializedString)")

        try first.close()
        _ = try first.expectClose()
        var left = false
        while !left { left = try second.next(type: "participant_left")["participant"]?["identity"]?.stringValue == "first" }
        try announce(second, Self.pcm16k)
        #expect(try nextRecognition(second, "second: listening again")["state"]?.stringValue == "listening")
        try sendPCM(second, seconds: 4) { 0 }
        let next = try nextRecognition(second, "second: no_match")
        #expect(next["state"]?.stringValue == "no_match" && next["error"] == nil, "the stream runs now: \(next.serializedString)")
    }
}
