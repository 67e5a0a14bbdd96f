import Foundation
import Testing
import WireJSON

/// YouTube links in recommendations (docs/youtube.md#recommendations): the suite's server has
/// a YouTube key and sends its searches to `FakeUpstream`.
extension AgentIntegrationTests {
    /// A recommendation list carries the links already cached; the tracks without one are
    /// searched in the background, and the next list that shows them carries their links.
    @Test func recommendationsCarryYouTubeLinksOnceTheyAreKnown() throws {
        let server = try demoServer()
        let upstream = try FakeUpstream.shared
        let room = ServerProcess.uniqueRoom("yt-recs")
        let (first, joined) = try join(server, "yt-first", room: room, agents: ["recommender"])
        _ = try waitForAgents(first, joined: joined, ["recommender"])
        try publish(first, "recs.control", ["seeds": [7, 8]])
        let before = try nextData(first, topic: "recs")
        let tracks = before["tracks"]?.arrayValue ?? []
        try #require(!tracks.isEmpty)
        func query(_ t: JSONValue) -> String {
            let (title, artist) = (t["title"]?.stringValue ?? "", t["artist"]?.stringValue ?? "")
            return artist.isEmpty ? title : artist + " " + title
        }
        for t in tracks {
            let url = t["youtube_url"]
            #expect(url == .null || url?.stringValue == YouTubeExpectations.url(query(t)), "only the fake's video, when known")
        }
        // Every track shown was searched once (in the background), or had been before.
        let wanted = Set(tracks.map(query))
        let searched = { Set(YouTubeExpectations.queries(upstream, key: FakeUpstream.youtubeKey)) }
        let deadline = Date().addingTimeInterval(20)
        while !wanted.isSubset(of: searched()) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(wanted.isSubset(of: searched()), "not searched: \(wanted.subtracting(searched()))")
        // Stored off the loop after the answer: wait until the catalog has them all.
        #expect(try server.awaitMetric("wavedefect_youtube_lookups_total", ["outcome": "found"]) { $0 >= Double(wanted.count) }.map { $0 >= Double(wanted.count) } == true)

        // The same seeds from someone else: the same list, now with every link.
        let (second, _) = try join(server, "yt-second", room: room)
        var after: JSONValue = .null
        let listDeadline = Date().addingTimeInterval(10)
        repeat {
            try publish(second, "recs.control", ["seeds": [7, 8]])
            after = try nextData(second, topic: "recs")
        } while (after["tracks"]?.arrayValue ?? []).contains { $0["youtube_url"] == .null } && Date() < listDeadline
        let linked = after["tracks"]?.arrayValue ?? []
        #expect(linked.map(query) == tracks.map(query))
        #expect(linked.map { $0["youtube_url"]?.stringValue } == linked.map { YouTubeExpectations.url(query($0)) })
        let queries = YouTubeExpectations.queries(upstream, key: FakeUpstream.youtubeKey)
        for q in wanted { #expect(queries.filter { $0 == q }.count == 1, "\(q) searched more than once") }
        try first.close()
        try second.close()
    }
}
