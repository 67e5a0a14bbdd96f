import Foundation
import MusicCatalog
import Testing
import WireJSON

/// Spotify top tracks where the demo catalog and the demo room's taste agent are: the suite's
/// server sends its Spotify requests to `FakeUpstream` (`.sharedServer(…, upstream: true)`).
extension AgentIntegrationTests {
    /// `/v1/me/top/tracks` fills the listener's `spotify_top` profile: the two tracks the
    /// catalog has, weighted by rank (1.0 for the first, 0.5 for the last read), the unknown
    /// one left out. The server then publishes `profile.changed`, and the demo room's taste
    /// agent compares the new profile with the host's without the listener rejoining.
    @Test func topTracksFillTheSpotifyTopProfileAndTheTasteAgentComparesIt() throws {
        let server = try demoServer()
        let upstream = try FakeUpstream.shared
        let identity = "top-listener-\(UUID().uuidString.prefix(6))"
        let listener = try TestWebSocket(port: server.port, token: server.token(identity, room: "wave-defect-lab"))
        let joined = try listener.next(type: "joined")
        // The taste agent is in the room before the token goes out.
        var present = Set((joined["participants"]?.arrayValue ?? []).compactMap { $0["identity"]?.stringValue })
        while !present.contains("agent-taste") {
            if let id = try listener.next(type: "participant_joined")["participant"]?["identity"]?.stringValue { present.insert(id) }
        }
        let token = "top-\(UUID().uuidString)"
        try listener.send(text: #"{"type":"spotify","access_token":"\#(token)","expires_in":3600,"id":7}"#)
        #expect(try listener.next(type: "ack")["for"] == "spotify")
        let top = upstream.waitFor(token: token, route: SpotifyTests.topTracksRoute) { !$0.isEmpty }
        #expect(top.map(\.path) == ["/v1/me/top/tracks?time_range=medium_term&limit=50"])

        var changed: JSONValue?
        var taste: JSONValue?
        let deadline = Date().addingTimeInterval(20)
        while taste == nil && Date() < deadline {
            let m = try listener.next(type: "data", timeout: max(0.01, deadline.timeIntervalSinceNow))
            #expect(!m.serializedString.contains(token))
            if m["topic"] == "profile.changed" {
                #expect(m["from"] == nil || m["from"] == .null, "published by the server")
                changed = m["payload"]
            }
            if m["topic"] == "taste", m["payload"]?["guest"]?.stringValue == identity { taste = m["payload"] }
        }
        #expect(changed == ["identity": .string(identity), "source": "spotify_top", "tracks": 2])
        let comparison = try #require(taste, "the taste agent did not compare the new profile")
        #expect(comparison["host"] == "host")
        #expect(comparison["similarity"]?.doubleValue != nil)

        let catalog = try Catalog(path: server.databasePath, readOnly: true)
        let profile = try catalog.profile(identity: identity)
        let titles = try profile.map { try catalog.track(id: $0.trackID)?.title ?? "?" }
        #expect(titles == ["Pale Tides", "Drifting Clouds"])
        #expect(profile.map(\.weight) == [1.0, 0.75])
        #expect(profile.allSatisfy { $0.source == "spotify_top" })
        #expect(try server.awaitMetric("wavedefect_spotify_top_tracks_stored_total") { $0 >= 2 }.map { $0 >= 2 } == true)
        #expect(!server.log.contains(token))
        // The suite's other tests count the demo room's participants.
        try listener.close()
        _ = try listener.expectClose()
    }
}
