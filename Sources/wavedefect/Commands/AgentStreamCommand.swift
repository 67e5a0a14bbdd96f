import AgentClient
import ArgumentParser
import AudioDecoding
import EventLoop
import Foundation
import WireJSON

/// `wavedefect agent stream FILE --url … --token …`: sends a file's audio into a room in real
/// time, as a phone held to a speaker would, and prints what the `recognizer` agent answers
/// (docs/recognition.md#live-recognition-in-a-room).
struct AgentStreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Stream a file's audio into a room in real time and print the recognizer's answers (one JSON object per line).",
        discussion: """
            s16le (default): the file is decoded, mixed to mono and resampled to --sample-rate, announced on
            audio.control as {"format":"s16le","sample_rate":N} and sent as binary frames on topic audio.
            container: a WebM/Opus or Ogg/Opus file is sent as it is, cut into pieces paced to its duration,
            as a browser's MediaRecorder sends them ({"format":"webm"} or {"format":"ogg"}).
            Each recognition message addressed to this participant is printed on stdout; a summary goes to stderr.
            """
    )

    @Argument(help: "Audio file to stream.") var file: String
    @Option(help: "The server, ws://HOST:PORT or wss://HOST:PORT.") var url: String
    @Option(help: "With wss://: PEM file of the CA that verifies the server (default: the system's trusted roots).") var tlsCa: String?
    @Option(help: "Join token (a participant that may publish data).") var token: String
    @Option(help: "Room (checked against the token's).") var room: String?
    @Option(help: "s16le or container.") var format = "s16le"
    @Option(help: "PCM rate for s16le.") var sampleRate = 16_000
    @Option(help: "Milliseconds of audio per binary frame.") var chunkMs = 100
    @Option(help: "Seconds of the file to send (default: all).") var duration: Double?
    @Option(help: "Seconds into the file to start.") var start: Double = 0
    @Option(help: "Seconds to keep listening after the last frame.") var linger: Double = 3
    @Option(help: "Seconds to wait for the recognizer agent before streaming anyway.") var agentWait: Double = 10
    @Option(help: "Playback speed (1 = real time). Faster than real time is for tests: the recognizer counts audio seconds, not wall seconds.") var speed: Double = 1
    @Flag(help: "Leave as soon as a match arrives.") var untilMatch = false

    func validate() throws {
        guard let u = ServerURL(url, caFile: tlsCa) else { throw ValidationError("--url: expected ws://HOST:PORT or wss://HOST:PORT, got '\(url)'") }
        do {
            try u.checkTLS()
        } catch {
            throw ValidationError(error.message)
        }
        guard ["s16le", "container"].contains(format) else { throw ValidationError("--format: s16le or container") }
        guard AudioStreamDecoder.pcmRates.contains(sampleRate) else { throw ValidationError("--sample-rate: \(AudioStreamDecoder.pcmRates)") }
        guard (10...5000).contains(chunkMs) else { throw ValidationError("--chunk-ms: 10…5000") }
        guard speed > 0, speed <= 100 else { throw ValidationError("--speed: more than 0, at most 100") }
        if let room, let claimed = TokenPeek.room(of: token), claimed != room {
            throw ValidationError("--room '\(room)' is not the token's room '\(claimed)'")
        }
    }

    func run() throws {
        let stream: AudioStreamClient.Stream
        do {
            stream = try format == "s16le" ? pcmStream() : containerStream()
        } catch {
            FileHandle.standardError.write(Data("wavedefect agent stream: \(file): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let loop = try EventLoop()
        let client = AudioStreamClient(url: ServerURL(url, caFile: tlsCa)!, token: token, stream: stream, loop: loop)
        client.speed = speed
        client.linger = linger
        client.agentWait = agentWait
        client.stopAtMatch = untilMatch
        var firstAnswer: (state: String, wall: Double, audio: Double)?
        var outcome: AudioStreamClient.End?
        client.onRecognition = { payload in
            // One write per line, unbuffered: a script reading the pipe sees each answer at once.
            FileHandle.standardOutput.write(Data((payload.serializedString + "\n").utf8))
            if firstAnswer == nil, let state = payload["state"]?.stringValue, state != "listening" {
                firstAnswer = (state, client.secondsStreaming ?? 0, payload["elapsed_s"]?.doubleValue ?? 0)
            }
        }
        client.onLog = { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
        client.onEnded = { end in
            outcome = end
            loop.stop()
        }
        client.start()
        let watchers = [SIGINT, SIGTERM].map { SignalWatcher(loop: loop, signal: $0) { _ in client.stop() } }
        loop.run()
        for _ in 0..<10 { _ = loop.runOnce() }
        withExtendedLifetime(watchers) {}
        if let firstAnswer {
            FileHandle.standardError.write(Data(String(format: "first answer: %@ after %.2f s streaming (%.2f s of audio heard)\n", firstAnswer.state, firstAnswer.wall, firstAnswer.audio).utf8))
        } else {
            FileHandle.standardError.write(Data("no answer from the recognizer\n".utf8))
        }
        if case .failed(let why) = outcome {
            FileHandle.standardError.write(Data("wavedefect agent stream: \(why)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func pcmStream() throws -> AudioStreamClient.Stream {
        let audio = try AudioDecoder(sampleRate: sampleRate).decode(file: file)
        let first = min(audio.samples.count, Int(start * Double(sampleRate)))
        let count = duration.map { min(audio.samples.count - first, Int($0 * Double(sampleRate))) } ?? audio.samples.count - first
        guard count > 0 else {
            throw ValidationError(String(format: "nothing to stream: the file has %.2f s of audio and --start is %.2f s", audio.duration, start))
        }
        let perChunk = sampleRate * chunkMs / 1000
        var chunks: [[UInt8]] = []
        var i = first
        while i < first + count {
            let end = min(i + perChunk, first + count)
            var bytes = [UInt8](repeating: 0, count: 2 * (end - i))
            for (k, x) in audio.samples[i..<end].enumerated() {
                let v = UInt16(bitPattern: Int16(max(-32768, min(32767, (x * 32768).rounded()))))
                bytes[2 * k] = UInt8(v & 0xFF)
                bytes[2 * k + 1] = UInt8(v >> 8)
            }
            chunks.append(bytes)
            i = end
        }
        let control: JSONValue = .object(JSONObject([("format", "s16le"), ("sample_rate", .number(Double(sampleRate)))]))
        return AudioStreamClient.Stream(control: control, chunks: chunks, chunkSeconds: Double(chunkMs) / 1000)
    }

    /// The file's own bytes, cut into pieces of about `chunkMs` of audio each.
    private func containerStream() throws -> AudioStreamClient.Stream {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        guard let kind = AudioStreamDecoder.Format.sniff(bytes) else {
            throw ValidationError("--format container needs a WebM or Ogg file")
        }
        guard start == 0, duration == nil else { throw ValidationError("--start and --duration apply to s16le only") }
        let seconds = try AudioDecoder().decode(file: file).duration
        let pieces = max(1, Int((seconds * 1000 / Double(chunkMs)).rounded(.up)))
        let size = (bytes.count + pieces - 1) / pieces
        let chunks = stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
        let control: JSONValue = ["format": .string(kind == .webm ? "webm" : "ogg")]
        return AudioStreamClient.Stream(control: control, chunks: chunks, chunkSeconds: seconds / Double(chunks.count))
    }
}
