import EventLoop
import LoopWebSocketClient
import SystemClock
import WireJSON

/// Streams audio into a room as an ordinary participant, in real time: what
/// `wavedefect agent stream` does, and what a phone held to a speaker does. It joins, waits
/// for the `recognizer` agent to be present (a control message sent before it joined would
/// never reach it), announces the format on `audio.control`, sends one binary frame on topic
/// `audio` per chunk when the chunk's time comes, and hands every `recognition` message
/// addressed to it to `onRecognition`.
public final class AudioStreamClient {
    public struct Stream: Sendable {
        /// The `audio.control` payload (`{"format":"s16le","sample_rate":16000}`, `{"format":"webm"}`).
        public var control: JSONValue
        /// The stream's bytes, cut into chunks of `chunkSeconds` of audio each.
        public var chunks: [[UInt8]]
        public var chunkSeconds: Double

        public init(control: JSONValue, chunks: [[UInt8]], chunkSeconds: Double) {
            self.control = control
            self.chunks = chunks
            self.chunkSeconds = chunkSeconds
        }
    }

    public enum End: Equatable, Sendable {
        /// Everything was sent and the linger time passed (or a match arrived with `stopAtMatch`).
        case done
        /// The connection was refused or closed (status line or close code).
        case failed(String)
    }

    private let url: ServerURL
    private let token: String
    private let stream: Stream
    private let loop: EventLoop
    /// Playback speed: 1 is real time; more sends faster than real time (a test option only:
    /// the recognizer's clock is the audio it heard, not the wall).
    public var speed = 1.0
    /// Seconds to wait for the recognizer agent before streaming anyway.
    public var agentWait = 10.0
    /// Seconds to keep listening after the last chunk.
    public var linger = 3.0
    public var stopAtMatch = false
    public var onRecognition: ((JSONValue) -> Void)?
    public var onEnded: ((End) -> Void)?
    public var onLog: ((String) -> Void)?

    private var client: LoopWebSocketClient?
    private var timer: LoopTimer?
    private var joinedAt: UInt64?
    private var startedAt: UInt64?
    private var sent = 0
    private var finishedSendingAt: UInt64?
    private var ended = false
    private var agentPresent = false
    private var identity = ""

    public init(url: ServerURL, token: String, stream: Stream, loop: EventLoop) {
        self.url = url
        self.token = token
        self.stream = stream
        self.loop = loop
    }

    /// Wall seconds since the first chunk was sent (nil before).
    public var secondsStreaming: Double? {
        startedAt.map { Double(SystemClock.monotonicNanoseconds &- $0) / 1e9 }
    }

    public func start() {
        let client = url.makeClient(path: "\(url.prefix)/rtc?access_token=\(token)")
        self.client = client
        client.onText = { [unowned self] bytes in
            guard let message = try? JSONParser.parse(bytes) else { return }
            self.received(message)
        }
        client.onFailure = { [unowned self] why in self.end(.failed(String(why.prefix(200)))) }
        client.onClose = { [unowned self] code in self.end(.failed("connection closed (\(code.map(String.init) ?? "no close code"))")) }
        client.start(loop: loop, host: url.host, port: url.port)
        let timer = LoopTimer(loop: loop) { [unowned self] in self.tick() }
        timer.start(afterMilliseconds: 10, repeatMilliseconds: 10)
        self.timer = timer
    }

    public func stop() { end(.done) }

    private func end(_ reason: End) {
        guard !ended else { return }
        ended = true
        timer?.stop()
        timer = nil
        if let client, client.isOpen { client.close(code: 1000) }
        onEnded?(reason)
    }

    private func received(_ message: JSONValue) {
        switch message["type"]?.stringValue {
        case "joined":
            joinedAt = SystemClock.monotonicNanoseconds
            identity = message["participant"]?["identity"]?.stringValue ?? ""
            agentPresent = (message["participants"]?.arrayValue ?? []).contains(where: Self.isRecognizer)
            client?.send(text: JSONValue.object(JSONObject([("type", "subscribe"), ("topics", ["recognition"])])).serialized)
            if !agentPresent { onLog?("waiting for the recognizer agent to join") }
        case "participant_joined":
            if let p = message["participant"], Self.isRecognizer(p) { agentPresent = true }
        case "data":
            guard message["topic"]?.stringValue == "recognition", let payload = message["payload"] else { return }
            if let target = payload["for"]?.stringValue, target != identity { return }
            onRecognition?(payload)
            if stopAtMatch, payload["state"]?.stringValue == "match" { end(.done) }
        case "error":
            onLog?("server error: \(message.serializedString)")
        default:
            break
        }
    }

    static func isRecognizer(_ p: JSONValue) -> Bool {
        p["attributes"]?["agent.name"]?.stringValue == "recognizer"
    }

    private func tick() {
        let now = SystemClock.monotonicNanoseconds
        guard let joinedAt, let client, client.isOpen else { return }
        if startedAt == nil {
            guard agentPresent || Double(now &- joinedAt) / 1e9 >= agentWait else { return }
            if !agentPresent { onLog?("no recognizer agent in the room after \(agentWait) s; streaming anyway") }
            let publish = JSONValue.object(JSONObject([("type", "publish"), ("topic", "audio.control"), ("payload", stream.control)]))
            client.send(text: publish.serialized)
            startedAt = now
        }
        let elapsed = Double(now &- startedAt!) / 1e9 * speed
        while sent < stream.chunks.count, Double(sent) * stream.chunkSeconds <= elapsed {
            client.send(binary: Self.frame(topic: "audio", stream.chunks[sent]))
            sent += 1
        }
        if sent == stream.chunks.count {
            if finishedSendingAt == nil { finishedSendingAt = now }
            if Double(now &- finishedSendingAt!) / 1e9 >= linger { end(.done) }
        }
    }

    /// A client binary frame: `u8 topic length, topic, payload` (docs/protocol.md).
    static func frame(topic: String, _ payload: [UInt8]) -> [UInt8] {
        let t = Array(topic.utf8)
        return [UInt8(t.count)] + t + payload
    }
}
