import DemoAudio
import EventLoop
import Foundation
import HTTPClient
import HTTPCore
import ITunesClient
import ITunesCore
import MusicCatalog
import MusicIngest
import SystemClock
import Testing

/// `ITunesPreviewFetcher` against an iTunes stand-in on the test's own loop: the real fetcher,
/// client, catalog and embedder; only Apple is played by the test.
@Suite struct ITunesPreviewFetcherTests {
    final class Fixture {
        let loop: EventLoop
        let client: CurlMulti
        let server: LoopHTTPServer
        let catalog: Catalog
        let fetcher: ITunesPreviewFetcher
        let directory: URL
        /// Arrival of every request, monotonic nanoseconds, with its target.
        var arrivals: [(target: String, at: UInt64)] = []

        init(callsPerMinute: Double = 60_000, configure: (inout ITunesSettings) -> Void = { _ in }, preview: @escaping (Int) -> [UInt8]) throws {
            loop = try EventLoop()
            client = try CurlMulti(loop: loop)
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-fetcher-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            catalog = try Catalog(path: directory.appendingPathComponent("c.sqlite").path)
            var arrived: ((String) -> Void)?
            var base = ""
            server = try LoopHTTPServer(loop: loop) { request in
                arrived?(request.target)
                if request.path == "/search" {
                    // One song per search: its id is the term's last word ("…+song+17": 17),
                    // its preview /p/<id>.
                    let term = request.target.split(separator: "term=").last?.split(separator: "&").first ?? ""
                    let id = Int(term.split(separator: "+").last ?? "") ?? 0
                    let song = #"{"wrapperType":"track","kind":"song","trackId":\#(id),"artistName":"Loop Band","trackName":"Song \#(id)","trackTimeMillis":3000,"previewUrl":"\#(base)/p/\#(id)"}"#
                    return .respond(HTTPResponse(status: .ok, contentType: "text/javascript; charset=utf-8", body: #"{"resultCount":1,"results":[\#(song)]}"#))
                }
                let id = Int(request.path.split(separator: "/").last ?? "") ?? 0
                return .respond(HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "audio/wav")]), body: preview(id)))
            }
            base = server.url
            var settings = ITunesSettings()
            settings.base = server.url
            settings.queue.callsPerMinute = callsPerMinute
            configure(&settings)
            let embedder = TrackEmbedder()
            fetcher = ITunesPreviewFetcher(loop: loop, http: client, catalog: catalog, index: nil, settings: settings) { bytes in
                let e = try embedder.embed(bytes: bytes)
                return EmbeddedPreview(vector: e.vector, duration: e.duration, model: TrackEmbedder.modelName)
            }
            arrived = { [unowned self] target in self.arrivals.append((target, SystemClock.monotonicNanoseconds)) }
        }

        func lookUp(_ wanted: [WantedTrack]) -> [PreviewOutcome] {
            var outcomes = [PreviewOutcome?](repeating: nil, count: wanted.count)
            for (i, w) in wanted.enumerated() { fetcher.lookup(w) { outcomes[i] = $0 } }
            #expect(runLoop(loop, timeout: 30) { outcomes.allSatisfy { $0 != nil } })
            return outcomes.map { $0 ?? .failed("no outcome") }
        }

        deinit {
            fetcher.close()
            client.close()
            server.close()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Three seconds of a tone whose pitch depends on `id`, as a WAV file.
    static func tone(_ id: Int) -> [UInt8] {
        let rate = 22_050
        let samples = (0..<(rate * 3)).map { Float(0.3 * sin(2 * Double.pi * Double(200 + 50 * (id % 40)) * Double($0) / Double(rate))) }
        return WAVEncoder.encode(channels: [samples], sampleRate: rate)
    }

    static func wanted(_ title: String, spotify: String) -> WantedTrack {
        WantedTrack(title: title, artists: ["Loop Band"], durationMilliseconds: 3000, spotifyID: spotify)
    }

    @Test func aTrackWantedTwiceAtOnceIsSearchedAndDownloadedOnce() throws {
        let f = try Fixture(preview: Self.tone)
        let outcomes = f.lookUp([Self.wanted("Song 17", spotify: "sp17"), Self.wanted("Song 17", spotify: "sp17")])
        guard case .stored(let id, "Song 17", "Loop Band") = outcomes[0] else { Issue.record("\(outcomes)"); return }
        #expect(outcomes[1] == outcomes[0])
        #expect(f.arrivals.map(\.target) == ["/search?term=loop+band+song+17&media=music&entity=song&limit=5", "/p/17"])
        #expect(f.fetcher.stats.joined == 1 && f.fetcher.stats.stored == 1)
        #expect(try f.catalog.track(id: id)?.externalIDs == ["spotify": "sp17", "itunes": "17"])
        // Asked again later: the catalog answers, Apple is not asked.
        #expect(f.lookUp([Self.wanted("Song 17", spotify: "sp17")]) == [.known(trackID: id)])
        #expect(f.arrivals.count == 2)
    }

    @Test func callsWaitForTheirSlots() throws {
        let f = try Fixture(callsPerMinute: 600, preview: Self.tone)  // a slot every 100 ms
        let started = SystemClock.monotonicNanoseconds
        let outcomes = f.lookUp([Self.wanted("Song 1", spotify: "a"), Self.wanted("Song 22", spotify: "b"), Self.wanted("Song 333", spotify: "c")])
        #expect(outcomes.allSatisfy { $0.trackID != nil }, "\(outcomes)")
        // Six calls (three searches, three downloads); call k cannot arrive before its slot.
        // Slots are libuv timers on the loop's clock, which counts whole milliseconds and was
        // read at the start of the turn: a slot may fire up to 1 ms before `started` + k·100 ms
        // (seen: 299.8 ms for call 3), never a whole slot early.
        #expect(f.arrivals.count == 6)
        for (k, arrival) in f.arrivals.enumerated() {
            #expect(arrival.at - started + 1_000_000 >= UInt64(k) * 100_000_000, "call \(k) \(arrival.target)")
        }
    }

    @Test func aPreviewThatIsNotAudioFailsClearlyAndTheNextLookupWorks() throws {
        let f = try Fixture { id in id == 16 ? Array("<html><body>Access denied</body></html>".utf8) : Self.tone(id) }
        let outcomes = f.lookUp([Self.wanted("Song 16", spotify: "bad")])
        guard case .failed(let message) = outcomes[0] else { Issue.record("\(outcomes)"); return }
        #expect(message.hasPrefix("preview of iTunes track 16 (39 bytes) is not audio: "), "\(message)")
        #expect(try f.catalog.trackCount() == 0)
        // A failure is not remembered as unmatched: the same track may be tried again.
        #expect(f.lookUp([Self.wanted("Song 18", spotify: "good")]).first?.trackID != nil)
        #expect(f.fetcher.stats.failures == 1 && f.fetcher.stats.stored == 1)
    }

    /// A lookup that finds the queue full is kept and admitted again later (docs/itunes.md#the-queue),
    /// not dropped until the next top-tracks read; with no retries it is refused at once.
    @Test func aLookupRefusedForAFullQueueIsAdmittedAgainLater() throws {
        let f = try Fixture(configure: {
            $0.queue.maxConcurrent = 1
            $0.queue.maxQueued = 1
            $0.refusedRetrySeconds = 0.05
            $0.retry.maxRetries = 10
        }, preview: Self.tone)
        let outcomes = f.lookUp([Self.wanted("Song 31", spotify: "r1"), Self.wanted("Song 32", spotify: "r2"), Self.wanted("Song 33", spotify: "r3")])
        #expect(outcomes.allSatisfy { if case .stored = $0 { true } else { false } }, "\(outcomes)")
        #expect(f.fetcher.stats.stored == 3 && f.fetcher.stats.refused == 0)
        #expect(f.fetcher.deferredCount == 0)

        let strict = try Fixture(configure: {
            $0.queue.maxConcurrent = 1
            $0.queue.maxQueued = 1
            $0.retry.maxRetries = 0
        }, preview: Self.tone)
        let refused = strict.lookUp([Self.wanted("Song 34", spotify: "s1"), Self.wanted("Song 35", spotify: "s2"), Self.wanted("Song 36", spotify: "s3")])
        #expect(refused[2] == .refused(.full), "\(refused)")
        #expect(refused[0].trackID != nil && refused[1].trackID != nil)
    }
}
