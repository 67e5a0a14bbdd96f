import AccessToken
import Foundation
import Testing
import WireJSON

/// YouTube links in recognitions (docs/recognition.md#live-recognition-in-a-room): the suite's
/// server has a YouTube key and searches `FakeUpstream`. A demo file streamed into a room with
/// `wavedefect agent stream` is recognized, and the match carries the fake's video for it — at
/// once when the link was cached, otherwise in the same match published again once the
/// background search stored it. (RecognizerIntegrationTests, whose server has no key, check
/// that a match there says `youtube_url: null`.)
extension AgentIntegrationTests {
    @Test func aRecognitionCarriesTheTracksYouTubeLink() throws {
        let server = try demoServer()
        let upstream = try FakeUpstream.shared
        let room = ServerProcess.uniqueRoom("yt-rec")
        let file = server.directory.appendingPathComponent("demo/bossa-16.wav").path
        let query = "Copacabana Lights Lazy Breeze"
        let url = YouTubeExpectations.url(query)
        // Another test of the suite may have shown this track already (then it is cached).
        let searchedBefore = YouTubeExpectations.queries(upstream, key: FakeUpstream.youtubeKey).contains(query)
        let token = server.token("yt-phone", room: room) { $0.roomAgents = [RoomAgentDispatch(agentName: "recognizer")] }
        // 10 s of audio at twice real time: the match comes after 1–2 s of audio, the link a
        // query or two later; the rest is room for a loaded machine.
        let run = try RecognizerIntegrationTests.StreamProcess(
            port: server.port, token: token, file: file, arguments: ["--start", "1", "--duration", "10", "--speed", "2", "--linger", "5"]
        ).finish()
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.answers.map(\.serializedString)
        let matches = run.answers.filter { $0["state"]?.stringValue == "match" }
        #expect(run.answers.first?["state"]?.stringValue == "listening", "\(lines)")
        #expect(matches.allSatisfy { $0["match"]?["path"]?.stringValue == file }, "\(lines)")
        let links = matches.map { $0["match"]?["youtube_url"] }
        print("recognizer with a YouTube key: \(searchedBefore ? "cached" : "not cached") before; match links \(links.map { $0?.serializedString ?? "-" })")
        if searchedBefore {
            #expect(links == [.string(url)], "cached: the first match has the link\n\(lines)")
        } else {
            #expect(links == [.null, .string(url)], "the match, then the same match with its link\n\(lines)")
            if matches.count == 2 {
                // The same answer again, with nothing changed but the link.
                #expect(matches[0] == matches[1].replacing(youtubeURL: .null), "\(lines)")
            }
        }
        #expect(YouTubeExpectations.queries(upstream, key: FakeUpstream.youtubeKey).filter { $0 == query }.count == 1, "searched once")
        #expect(!run.stderr.contains(FakeUpstream.youtubeKey) && !lines.joined().contains(FakeUpstream.youtubeKey))
    }
}

extension JSONValue {
    /// The recognition answer with `match.youtube_url` set to `value`.
    fileprivate func replacing(youtubeURL value: JSONValue) -> JSONValue {
        guard case .object(var fields) = self, case .object(var match)? = fields["match"] else { return self }
        match["youtube_url"] = value
        fields["match"] = .object(match)
        return .object(fields)
    }
}
