import AgentKit
import AudioDecoding
import MusicAgents
import MusicCatalog
import MusicRecognition
import TasteCore
import WireJSON

/// `recognizer`: names the song each participant streams into the room
/// (docs/recognition.md#live-recognition-in-a-room). Audio arrives as binary frames on `audio` — s16le announced
/// on `audio.control`, or WebM/Ogg Opus as a browser records it — is decoded as a stream
/// per participant, and about once a second of audio the participant's sliding window is
/// fingerprinted and searched. Answers go on `recognition` to that participant only.
///
/// A match carries the track's YouTube link when the server knows it (`links`). Looking one up
/// is the server's (asynchronous, cached) business: a match published before its link was
/// known is published once more, with the link, at the first query that finds it — within
/// `linkWaitSeconds` of audio.
///
/// All of it runs in `handle`, on the agent's own thread, never on the loop.
final class RecognizerAgent: Agent {
    private let index: SharedRecognitionIndex
    private let settings: RecognizerSettings
    private var people: Set<String> = []
    private var streams: [String: LiveStream] = [:]
    private let links: (any TrackLinkSource)?

    init(index: SharedRecognitionIndex, settings: RecognizerSettings, links: (any TrackLinkSource)? = nil) {
        self.index = index
        self.settings = settings
        self.links = links
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
            if let answer {
                let url = youtubeURL(answer.state == .match ? recognition.match?.track : nil)
                out += [publication(answer, match: recognition, youtubeURL: url, for: sender)]
                stream.unlinked = nil
                if answer.state == .match, url == nil, links?.providesLinks == true {
                    stream.unlinked = UnlinkedMatch(answer: answer, recognition: recognition, until: stream.session.elapsedSeconds + settings.linkWaitSeconds)
                }
            } else if let unlinked = stream.unlinked {
                // Still the published match: has its link arrived since?
                if let url = youtubeURL(unlinked.recognition.match?.track) {
                    out += [publication(unlinked.answer, match: unlinked.recognition, youtubeURL: url, for: sender)]
                    stream.unlinked = nil
                } else if stream.session.elapsedSeconds >= unlinked.until {
                    stream.unlinked = nil
                }
            }
        }
        streams[sender] = stream
        return out
    }

    /// The track's video as the server knows it now (nil: none yet, or no link source). The
    /// source starts a lookup of what it does not know.
    private func youtubeURL(_ track: Track?) -> String? {
        guard let links, let track, links.providesLinks else { return nil }
        let info = TrackInfo(id: track.id, title: track.title ?? "", artist: track.artist ?? "", album: track.album ?? "")
        return links.youtubeURLs(for: [info])[track.id]
    }

    private func answers(_ list: [RecognitionSession.Answer?], for sender: String) -> [AgentPublication] {
        list.compactMap { $0 }.map { publication($0, match: nil, for: sender) }
    }

    private func publication(_ answer: RecognitionSession.Answer, match: Recognition?, youtubeURL: String? = nil, for sender: String) -> AgentPublication {
        AgentPublication(
            topic: "recognition", payload: RecognizerJSON.answer(answer, for: sender, recognition: match, youtubeURL: youtubeURL), destinations: [sender]
        )
    }
}

/// A match published without its YouTube link, published again once the link is known.
struct UnlinkedMatch {
    var answer: RecognitionSession.Answer
    var recognition: Recognition
    /// Audio seconds after which nobody waits for the link any more.
    var until: Double
}

/// One participant's stream: its session and its decoder.
struct LiveStream {
    var session: RecognitionSession
    var decoder: AudioStreamDecoder?
    var failed = false
    var unlinked: UnlinkedMatch?
}
