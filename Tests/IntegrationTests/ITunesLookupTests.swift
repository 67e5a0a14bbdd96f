import Foundation
import MusicCatalog
import Testing
import WireJSON

/// iTunes previews end to end: the real `wavedefect serve` reads a participant's Spotify top
/// tracks from `FakeUpstream`, looks the ones its catalog lacks up on the fake iTunes (same
/// fake server), downloads, decodes and embeds the real AAC preview and stores it. The server
/// starts with an empty catalog; iTunes calls are paced 0.1 s apart, time out after 2.5 s
/// (the fake holds its slow preview 6 s) and are retried once after a transient failure.
@Suite(.sharedServer(
    arguments: [
        "--spotify-poll-interval", "1", "--itunes-calls-per-minute", "600", "--itunes-request-timeout", "2.5", "--itunes-max-retries", "1",
    ],
    upstream: true
)) struct ITunesLookupTests {
    let server: ServerProcess
    let upstream: FakeUpstream

    init() throws {
        server = try .shared
        upstream = try .shared
        try upstream.waitForPreviews()
    }

    func search(_ q: String) throws -> [JSONValue] {
        let r = try TestSocket.get(port: server.port, "/api/tracks?q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
        #expect(r.status == 200)
        return try JSONParser.parse(r.bodyText)["tracks"]?.arrayValue ?? []
    }

    /// Joins `identity` to a fresh room and hands over a token of the fake's `itunes` scenario.
    func listen(_ identity: String, scenario: String = "itunes") throws -> TestWebSocket {
        let ws = try TestWebSocket(port: server.port, token: server.token(identity, room: ServerProcess.uniqueRoom("itunes")))
        _ = try ws.next(type: "joined")
        try ws.send(text: #"{"type":"spotify","access_token":"\#(scenario)-\#(UUID().uuidString)","expires_in":3600,"id":1}"#)
        #expect(try ws.next(type: "ack")["for"] == "spotify")
        return ws
    }

    func waitFor<T>(_ what: String, timeout: Double = 30, _ probe: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = try probe() { return value }
            Thread.sleep(forTimeInterval: 0.05)
        }
        // The server's iTunes lines say why (no match, timed out, not audio): without them a
        // failure here names only the symptom.
        let why = server.log.split(separator: "\n").filter { $0.localizedCaseInsensitiveContains("itunes") }.suffix(8)
        throw WaitError(what: what, serverLines: why.joined(separator: "\n"))
    }

    struct WaitError: Error, CustomStringConvertible {
        let what: String
        let serverLines: String
        var description: String { "timed out waiting for \(what); the server's last iTunes lines:\n\(serverLines)" }
    }

    @Test func aTopTrackNotInTheCatalogIsSearchableOnceItsPreviewWasFetched() throws {
        // (The suite's other test stores "Top Two", which a fuzzy search for "top one" finds too.)
        #expect(try search("top one").allSatisfy { $0["title"] != "Top One" })
        let identity = "itunes-listener-\(UUID().uuidString.prefix(6))"
        let listener = try listen(identity)
        defer { try? listener.close() }

        // Searchable over HTTP once the preview is stored: iTunes's "Top One" by Fake Artist, not
        // the karaoke version the search listed first.
        let hit = try waitFor("Top One in GET /api/tracks?q=") { try search("top one").first { $0["title"] == "Top One" } }
        #expect(hit["title"] == "Top One" && hit["artist"] == "Fake Artist" && hit["album"] == "Album Top One")
        #expect(abs((hit["duration_s"]?.doubleValue ?? 0) - 30) < 0.5)
        let id = try #require(hit["id"]?.int64Value)
        let searches = upstream.records().filter { $0.path.hasPrefix("/search?") }.map(\.path)
        #expect(searches.contains("/search?term=fake+artist+top+one&media=music&entity=song&limit=5"))

        // Stored with its Spotify id, ISRC and iTunes id, and in the listener's profile at the
        // weight its rank gives (first of four: 1.0).
        let catalog = try Catalog(path: server.databasePath, readOnly: true)
        #expect(try catalog.track(id: id)?.externalIDs == ["spotify": "topFakeOne", "isrc": "QZTOPFAKEONE", "itunes": "900002"])
        let entry = try waitFor("Top One in the profile") { try catalog.profile(identity: identity).first { $0.trackID == id } }
        #expect(entry.source == "spotify_top" && entry.weight == 1)
        // Fingerprinted with the same samples, in the same transaction: `recognize` names the
        // preview (the fake's file itself) as that track.
        let print = try #require(try catalog.fingerprint(trackID: id))
        #expect(print.landmarks.count > 100 && print.frameCount > 0)
        let previewFile = FileManager.default.temporaryDirectory.appendingPathComponent("wavedefect-fake-itunes-v1/900002.m4a").path
        let recognized = try runWavedefect(["recognize", previewFile, "--db", server.databasePath, "--json"])
        #expect(recognized.status == 0, "\(recognized.stderr)")
        let match = try JSONParser.parse(recognized.stdout.split(separator: "\n").first.map(String.init) ?? "{}")["match"]
        #expect(match?["id"]?.int64Value == id && match?["title"] == "Top One", "\(recognized.stdout)")
        // The room hears it on profile.changed: the read itself (none of the four in the
        // catalog), then the count once Top One joined.
        var counts: [Int64] = []
        let deadline = Date().addingTimeInterval(20)
        while !counts.contains(1) && Date() < deadline {
            let m = try listener.next(type: "data", timeout: max(0.01, deadline.timeIntervalSinceNow))
            if m["topic"] == "profile.changed", m["payload"]?["identity"]?.stringValue == identity, let n = m["payload"]?["tracks"]?.int64Value {
                counts.append(n)
            }
        }
        #expect(counts == [0, 1])

        // The other top tracks: no acceptable result, a preview that is not audio, a preview
        // too slow. Each is a clear log line; the server goes on serving.
        #expect(server.waitForLog("no iTunes match", timeout: 20))
        #expect(server.waitForLog("is not audio", timeout: 20))
        #expect(server.waitForLog("preview of iTunes track 910006 not downloaded: timedOut", timeout: 20))
        #expect(server.log.contains("Nowhere Song"))
        #expect(try search("crawl").isEmpty)
        #expect(try TestSocket.get(port: server.port, "/healthz").status == 200)
        // And in /metrics: one stored, two failed, one unmatched; five calls at least (four
        // searches, three downloads of which the slow one timed out).
        for (outcome, least) in [("stored", 1.0), ("failed", 2), ("unmatched", 1)] {
            let n = try server.awaitMetric("wavedefect_itunes_lookups_total", ["outcome": outcome]) { $0 >= least }
            #expect((n ?? 0) >= least, "\(outcome)")
        }
        #expect(try server.metric("wavedefect_itunes_calls_total", ["kind": "search"]) ?? 0 >= 4)
        #expect(try server.metric("wavedefect_itunes_calls_total", ["kind": "download"]) ?? 0 >= 3)
        #expect(try server.metric("wavedefect_itunes_preview_bytes_total") ?? 0 > 100_000)

        // The next listener with the same top track is answered from the catalog: its profile
        // gets the track, and iTunes is not searched for it again.
        let other = "itunes-other-\(UUID().uuidString.prefix(6))"
        let second = try listen(other)
        defer { try? second.close() }
        let again = try waitFor("Top One in the second profile") { try catalog.profile(identity: other).first { $0.trackID == id } }
        #expect(again.weight == 1)
        let after = upstream.records().filter { $0.path.hasPrefix("/search?term=fake+artist+top+one") }
        #expect(after.count == 1)
        // Nowhere Song was unmatched a moment ago: not asked again either.
        #expect(upstream.records().filter { $0.path.hasPrefix("/search?term=nobody+at+all") }.count == 1)
    }

    /// Two listeners with the same missing top track at the same moment: Apple is asked once,
    /// the preview downloaded once, and both profiles get the track.
    @Test func twoListenersWantingOneTrackShareOneLookup() throws {
        let identities = ["itunes-a-\(UUID().uuidString.prefix(6))", "itunes-b-\(UUID().uuidString.prefix(6))"]
        let sockets = try identities.map { try listen($0, scenario: "itunes2") }
        defer { for ws in sockets { try? ws.close() } }
        let hit = try waitFor("Top Two in GET /api/tracks?q=") { try search("top two").first { $0["title"] == "Top Two" } }
        let id = try #require(hit["id"]?.int64Value)
        let catalog = try Catalog(path: server.databasePath, readOnly: true)
        for identity in identities {
            let entry = try waitFor("Top Two in \(identity)'s profile") { try catalog.profile(identity: identity).first { $0.trackID == id } }
            #expect(entry.source == "spotify_top" && entry.weight == 1)
        }
        let records = upstream.records().map(\.path)
        #expect(records.filter { $0.hasPrefix("/search?term=fake+artist+top+two") }.count == 1)
        #expect(records.filter { $0 == "/preview/900003.m4a" }.count == 1)
    }

    /// Previews that fail once — 503, then 429 with `Retry-After: 1` — are fetched on a retry
    /// within the same lookup (docs/itunes.md#retries), not left for the next top-tracks read.
    @Test func aPreviewThatFailsOnceIsFetchedOnARetry() throws {
        let identity = "itunes-retry-\(UUID().uuidString.prefix(6))"
        let ws = try listen(identity, scenario: "itunes3")
        defer { try? ws.close() }
        let catalog = try Catalog(path: server.databasePath, readOnly: true)
        let profile = try waitFor("both retried tracks in the profile") {
            let p = try catalog.profile(identity: identity)
            return p.count == 2 ? p : nil
        }
        let titles = try profile.map { try catalog.track(id: $0.trackID)?.title ?? "?" }
        #expect(Set(titles) == ["Retry Song", "Wait Song"])
        let records = upstream.records()
        let flaky = records.filter { $0.path == "/preview/900004.m4a" }
        let limited = records.filter { $0.path == "/preview/900005.m4a" }
        #expect(flaky.count == 2, "503, then the audio")
        #expect(limited.count == 2, "429, then the audio")
        if limited.count == 2 { #expect(limited[1].time - limited[0].time >= 0.95, "Retry-After: 1 honoured") }
        #expect(try server.metric("wavedefect_itunes_calls_total", ["kind": "retry"]).map { $0 >= 2 } == true)
    }
}
