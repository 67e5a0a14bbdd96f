import AudioDecoding
import LiveRecognition
import Testing

/// The live recognizer's per-participant state machine, value by value: its clock is the
/// audio it heard.
@Suite struct RecognitionSessionTests {
    static let rate = 1_000

    static func session(_ tweak: (inout RecognizerSettings) -> Void = { _ in }) -> RecognitionSession {
        var s = RecognizerSettings()
        tweak(&s)
        return RecognitionSession(settings: s, sampleRate: rate)
    }

    static func seconds(_ s: Double) -> [Float] { [Float](repeating: 0.1, count: Int(s * Double(rate))) }

    @Test func theWindowKeepsTheLatestSecondsOnly() {
        var s = Self.session { $0.windowSeconds = 3 }
        s.append(Self.seconds(2))
        #expect(s.window.count == 2_000)
        s.append([1, 2, 3] + Self.seconds(1.5))
        #expect(s.window.count == 3_000)
        #expect(s.window[1_497...1_499] == [1, 2, 3], "the oldest samples went first")
        s.append(Self.seconds(10))
        #expect(s.window.count == 3_000)
        #expect(s.heard == 13_503)
        #expect(s.elapsedSeconds == 13.503)
    }

    @Test func queriesComeAfterTheFirstSecondThenOncePerSecondOfAudio() {
        var s = Self.session()
        s.append(Self.seconds(0.99))
        #expect(!s.queryDue)
        s.append(Self.seconds(0.01))
        #expect(s.queryDue)
        _ = s.record(.init(trackID: nil))
        #expect(!s.queryDue)
        s.append(Self.seconds(0.5))
        #expect(!s.queryDue)
        s.append(Self.seconds(0.5))
        #expect(s.queryDue)
    }

    @Test func listeningThenTheFirstMatchAndNoRepeats() {
        var s = Self.session()
        #expect(s.start()?.state == .listening)
        #expect(s.start() == nil, "identical answers are not repeated")
        s.append(Self.seconds(1))
        #expect(s.record(.init(trackID: nil)) == nil, "no match yet, and not yet time to give up")
        s.append(Self.seconds(1))
        #expect(s.record(.init(trackID: 7)) == .init(state: .match, elapsedSeconds: 2, trackID: 7, error: nil))
        s.append(Self.seconds(1))
        #expect(s.record(.init(trackID: 7)) == nil)
        #expect(s.record(.init(trackID: nil)) == nil, "one weak query does not undo a match")
        s.append(Self.seconds(1))
        #expect(s.record(.init(trackID: 9))?.trackID == 9, "the song changed")
    }

    @Test func aMatchStaysWhileItIsStillSignificantBesideAnotherCopyOfTheRecording() {
        var s = Self.session()
        _ = s.start()
        s.append(Self.seconds(1))
        #expect(s.record(.init(trackID: 15))?.trackID == 15)
        s.append(Self.seconds(1))
        #expect(s.record(.init(trackID: 3, alsoSignificant: [15])) == nil, "15 still passes the test: the answer does not flip to 3")
        s.append(Self.seconds(1))
        #expect(s.record(.init(trackID: 15, alsoSignificant: [3])) == nil)
        s.append(Self.seconds(1))
        #expect(s.record(.init(trackID: 3, alsoSignificant: [7])) == .init(state: .match, elapsedSeconds: 4, trackID: 3), "15 no longer significant: now it is 3")
    }

    @Test func noMatchAfterTheConfiguredAudioTimeOnceAndAgainAfterAMatchFades() {
        var s = Self.session { $0.noMatchAfter = 4 }
        _ = s.start()
        var answers: [RecognitionSession.Answer] = []
        for _ in 0..<10 {
            s.append(Self.seconds(1))
            if let a = s.record(.init(trackID: nil)) { answers.append(a) }
        }
        #expect(answers == [.init(state: .noMatch, elapsedSeconds: 4, trackID: nil, error: nil)])
        s.append(Self.seconds(1))
        #expect(s.record(.init(trackID: 3))?.state == .match, "music started after all")
        answers = []
        for _ in 0..<6 {
            s.append(Self.seconds(1))
            if let a = s.record(.init(trackID: nil)) { answers.append(a) }
        }
        #expect(answers == [.init(state: .noMatch, elapsedSeconds: 15, trackID: nil, error: nil)])
    }

    @Test func aFailedStreamSaysWhyOnceAndStopsQuerying() {
        var s = Self.session()
        _ = s.start()
        s.append(Self.seconds(2))
        #expect(s.fail("corrupt audio") == .init(state: .noMatch, elapsedSeconds: 2, trackID: nil, error: "corrupt audio"))
        #expect(s.fail("again") == nil)
        s.append(Self.seconds(2))
        #expect(!s.queryDue)
        #expect(s.window.isEmpty)
    }

    @Test func settingsFromDispatchMetadata() throws {
        #expect(try RecognizerSettings.parse(metadata: "") == .standard)
        #expect(try RecognizerSettings.parse(metadata: "plain text, not ours") == .standard)
        let s = try RecognizerSettings.parse(metadata: #"{"no_match_after_s":3,"window_s":6,"query_interval_s":0.5}"#)
        #expect(s.noMatchAfter == 3 && s.windowSeconds == 6 && s.queryInterval == 0.5)
        #expect(throws: RecognizerSettingsError.self) { try RecognizerSettings.parse(metadata: #"{"window_s":0}"#) }
        #expect(throws: RecognizerSettingsError.self) { try RecognizerSettings.parse(metadata: #"{"no_match_after_s":"soon"}"#) }
        #expect(throws: RecognizerSettingsError.self) { try RecognizerSettings.parse(metadata: #"{"max_streams":2.5}"#) }
        #expect(try RecognizerSettings.parse(metadata: #"{"max_streams":2,"max_pending_bytes":65536}"#).maxStreams == 2)
    }

    @Test func streamAnnouncements() throws {
        #expect(try StreamAnnouncement.parse(Array(#"{"format":"s16le","sample_rate":16000}"#.utf8)) == .s16le(sampleRate: 16_000))
        #expect(try StreamAnnouncement.parse(Array(#"{"format":"audio/webm;codecs=opus"}"#.utf8)) == .webm)
        #expect(try StreamAnnouncement.parse(Array(#"{"format":"ogg"}"#.utf8)) == .ogg)
        for bad in [#"{"format":"s16le"}"#, #"{"format":"s16le","sample_rate":16000.5}"#, #"{"format":"s16le","sample_rate":16000,"channels":2}"#,
                    #"{"format":"mp3"}"#, #"[1]"#, "nope", #"{"sample_rate":8000}"#] {
            #expect(throws: StreamAnnouncementError.self, "\(bad)") { try StreamAnnouncement.parse(Array(bad.utf8)) }
        }
    }
}
