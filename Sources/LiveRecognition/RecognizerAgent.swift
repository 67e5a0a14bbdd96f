import AgentKit
import AudioDecoding
import MusicRecognition
import WireJSON

/// `recognizer`: names the song each participant streams into the room
/// (docs/recognition.md#live-recognition-in-a-room). Audio arrives as binary frames on `audio` — s16le announced
/// on `audio.control`, or WebM/Ogg Opus as a browser records it — is decoded as a stream
/// per participant, and about once a second of audio the participant's sliding window is
/// fingerprinted and searched. Answers go on `recognition` to that participant only.
///
/// All of it runs in `handle`, on the agent's own thread, never on the loop.
final class RecognizerAgent: Agent {
    private let index: SharedRecognitionIndex
    private let settings: RecognizerSettings
    private var people: Set<String> = []
    private var streams: [String: LiveStream] = [:]

    init(index: SharedRecognitionIndex, settings: RecognizerSettings) {
        self.index = index
        self.settings = settings
    }

    func handle(_ event: AgentEvent) throws -> [AgentPublication] {
        switch event {
        case .started(let room):
            people = Set(room.participants.filter { !$0.isAgent }.map(\.identity))
            streams = [:]
            // Load the catalog's index now, on this queue, so the first stream's first query
            // does not wait for it (a failure surfaces at that query instead).
            _ = try? index.library()
        case .participantJoined(let p):
            if !p.isAgent { people.insert(p.identity) }
        case .participantUpdated, .profileChanged:
            break
        case .participantLeft(let identity):
            people.remove(identity)
            streams[identity] = nil
        case .data(let message):
            guard let sender = message.sender, !message.senderHidden, people.contains(sender) else { return [] }
            if message.topic == "audio.control", !message.isBinary { return control(message.payload, from: sender) }
            if message.topic == "audio", message.isBinary { return try audio(message.payload, from: sender) }
        }
        return []
    }

    /// A new stream announcement: whatever was being heard from the sender starts over.
    private func control(_ payload: [UInt8], from sender: String) -> [AgentPublication] {
        streams[sender] = nil
        let format: AudioStreamDecoder.Format
        do {
            format = try StreamAnnouncement.parse(payload)
        } catch {
            var session = RecognitionSession(settings: settings, sampleRate: index.sampleRate)
            let started = session.start()
            let failed = session.fail("\(error)")
            streams[sender] = LiveStream(session: session, failed: true)
            return answers([started, failed], for: sender)
        }
        return begin(format, for: sender)
    }

    private func begin(_ format: AudioStreamDecoder.Format, for sender: String) -> [AgentPublication] {
        var session = RecognitionSession(settings: settings, sampleRate: index.sampleRate)
        let started = session.start()
        guard streams.values.count(where: { $0.decoder != nil }) < settings.maxStreams else {
            return answers([started, session.fail("too many streams at once (\(settings.maxStreams))")], for: sender)
        }
        do {
            let decoder = try AudioStreamDecoder(format: format, outputRate: session.sampleRate)
            decoder.maxPendingBytes = settings.maxPendingBytes
            streams[sender] = LiveStream(session: session, decoder: decoder)
            return answers([started], for: sender)
        } catch {
            return answers([started, session.fail("\(error)")], for: sender)
        }
    }

    private func audio(_ bytes: [UInt8], from sender: String) throws -> [AgentPublication] {
        var out: [AgentPublication] = []
        if streams[sender] == nil {
            // No announcement: a recorder's WebM or Ogg says what it is in its first bytes.
            guard let format = AudioStreamDecoder.Format.sniff(bytes) else {
                var session = RecognitionSession(settings: settings, sampleRate: index.sampleRate)
                let started = session.start()
                let failed = session.fail("unknown audio format: announce it on audio.control first")
                streams[sender] = LiveStream(session: session, failed: true)
                return answers([started, failed], for: sender)
            }
            out += begin(format, for: sender)
        }
        guard var stream = streams[sender], !stream.failed, let decoder = stream.decoder else { return out }
        do {
            guard bytes.count <= settings.maxFrameBytes else { throw RecognizerSettingsError("binary frame of \(bytes.count) bytes, limit \(settings.maxFrameBytes)") }
            stream.session.append(try decoder.push(bytes))
        } catch {
            stream.failed = true
            stream.decoder = nil
            let answer = stream.session.fail("\(error)")
            streams[sender] = stream
            return out + answers([answer], for: sender)
        }
        if stream.session.queryDue {
            let library = try index.library()
            let recognition = try library.recognize(samples: stream.session.window)
            let others = recognition.result.candidates.dropFirst().filter { library.matchSettings.accepts($0) }.map(\.id)
            let answer = stream.session.record(RecognitionSession.Outcome(trackID: recognition.match?.track.id, alsoSignificant: others))
            if let answer { out += [publication(answer, match: recognition, for: sender)] }
        }
        streams[sender] = stream
        return out
    }

    private func answers(_ list: [RecognitionSession.Answer?], for sender: String) -> [AgentPublication] {
        list.compactMap { $0 }.map { publication($0, match: nil, for: sender) }
    }

    private func publication(_ answer: RecognitionSession.Answer, match: Recognition?, for sender: String) -> AgentPublication {
        AgentPublication(topic: "recognition", payload: RecognizerJSON.answer(answer, for: sender, recognition: match), destinations: [sender])
    }
}

/// One participant's stream: its session and its decoder.
struct LiveStream {
    var session: RecognitionSession
    var decoder: AudioStreamDecoder?
    var failed = false
}
