import EventLoop
import HTTPClient
import HTTPCore
import Testing

@Suite struct HostQueueTests {
    final class R {
        let name: String
        init(_ name: String) { self.name = name }
    }

    @Test func beyondTheInFlightLimitRequestsWaitThenAreRefused() {
        var q = HostQueue<R>(maxInFlight: 2, maxQueued: 2)
        let rs = (0..<6).map { R("r\($0)") }
        var admissions = rs[0..<5].map { q.admit($0, host: "a") }
        // Another host has its own limits.
        admissions.append(q.admit(rs[5], host: "b"))
        #expect(admissions == [.start, .start, .queued, .queued, .refused, .start])
        #expect((q.inFlight(host: "a"), q.queued(host: "a"), q.inFlightCount, q.queuedCount) == (2, 2, 3, 2))
        // A finished request hands its slot to the oldest waiting one.
        let next = q.finished(host: "a")
        #expect(next === rs[2])
        #expect((q.inFlight(host: "a"), q.queued(host: "a")) == (2, 1))
        let again = q.admit(rs[4], host: "a")
        #expect(again == .queued)
        var handed: [String?] = []
        for _ in 0..<4 { handed.append(q.finished(host: "a")?.name) }
        #expect(handed == ["r3", "r4", nil, nil])
        #expect((q.inFlight(host: "a"), q.queued(host: "a")) == (0, 0))
        let b = q.finished(host: "b"), nobody = q.finished(host: "nobody")
        #expect(b == nil && nobody == nil)
        #expect((q.inFlightCount, q.queuedCount) == (0, 0))
    }

    @Test func aWaitingRequestCanBeTakenOutAndAZeroQueueRefusesAtOnce() {
        var q = HostQueue<R>(maxInFlight: 1, maxQueued: 3)
        let rs = (0..<4).map { R("r\($0)") }
        for r in rs { _ = q.admit(r, host: "h") }
        let removals = [q.remove(rs[2], host: "h"), q.remove(rs[2], host: "h"), q.remove(rs[0], host: "h")]
        #expect(removals == [true, false, false], "the second time it is gone; r0 is in flight, not waiting")
        let next = q.finished(host: "h")
        #expect(next === rs[1])
        let rest = q.removeAllWaiting().map(\.name)
        #expect(rest == ["r3"])
        #expect((q.inFlightCount, q.queuedCount) == (1, 0))

        var none = HostQueue<R>(maxInFlight: 1, maxQueued: 0)
        let admissions = [none.admit(rs[0], host: "h"), none.admit(rs[1], host: "h")]
        #expect(admissions == [.start, .refused])
    }

    @Test func hostKeysAreSchemeHostAndPort() {
        #expect(HostQueue<R>.key(for: "https://api.spotify.com/v1/me/player?x=1") == "https://api.spotify.com:443")
        #expect(HostQueue<R>.key(for: "HTTP://User:pw@Example.COM:8080/a#f") == "http://example.com:8080")
        #expect(HostQueue<R>.key(for: "http://127.0.0.1:9/") == "http://127.0.0.1:9")
        #expect(HostQueue<R>.key(for: "http://[::1]:81/x") == "http://[::1]:81")
        #expect(HostQueue<R>.key(for: "https://[::1]/x") == "https://[::1]:443")
        #expect(HostQueue<R>.key(for: "http://hooks.example.com?token=1") == "http://hooks.example.com:80")
    }

    /// Against a real server on the loop: two hang (and time out), one waits for a slot,
    /// one is refused at once, and the waiting one goes out when a slot frees.
    @Test func theClientQueuesPerHostAndRefusesOverflow() throws {
        var configuration = CurlMulti.Configuration()
        configuration.maxRequestsPerHost = 2
        configuration.maxQueuedPerHost = 1
        // Decided by path, not by a flag flipped later: on a slow machine the hanging pair can
        // time out (and the queued request arrive) before the test reaches the flip.
        let f = try ClientFixture(configuration: configuration) { request in
            request.target == "/hang" ? .hang : .respond(HTTPResponse(status: .ok, body: Array("late".utf8)))
        }
        var results: [Int: Result<HTTPClientResponse, HTTPClientError>] = [:]
        var hanging = HTTPClientRequest(url: f.url("/hang"))
        hanging.timeout = 0.5
        for i in 0..<2 { f.client.perform(hanging) { results[i] = $0 } }
        f.client.perform(HTTPClientRequest(url: f.url("/queued"))) { results[2] = $0 }
        f.client.perform(HTTPClientRequest(url: f.url("/refused"))) { results[3] = $0 }
        let cancelled = f.client.perform(HTTPClientRequest(url: f.url("/refused-too"))) { results[4] = $0 }
        #expect(results.isEmpty, "no completion runs inside perform")
        #expect((f.client.inFlightCount, f.client.queuedCount, f.client.activeCount) == (2, 1, 5))
        cancelled.cancel()
        #expect(runLoop(f.loop) { results[3] != nil && f.server.requests.count == 2 })
        guard case .failure(let refused)? = results[3] else { Issue.record("expected queueFull, got \(String(describing: results[3]))"); return }
        #expect(refused == .queueFull)
        #expect(refused.description == "queueFull: 2 requests in flight and 1 waiting for \(HostQueue<R>.key(for: f.server.url))")
        #expect(f.client.refusedQueueFull == 2)
        // The queued request goes out when the first hanging one times out; the second may time
        // out a loop turn later (under a sanitizer, much later), so wait for all three.
        #expect(runLoop(f.loop) { results[0] != nil && results[1] != nil && results[2] != nil })
        #expect((try? results[2]?.get())?.bodyText == "late")
        for i in 0..<2 {
            guard case .failure(let e)? = results[i] else { Issue.record("request \(i) should time out"); continue }
            #expect(e == .timedOut)
        }
        #expect(f.server.requests.map(\.target) == ["/hang", "/hang", "/queued"])
        #expect((f.client.inFlightCount, f.client.queuedCount, f.client.activeCount) == (0, 0, 0))
    }

    @Test func cancellingAWaitingRequestCompletesItAtOnceAndItIsNeverSent() throws {
        var configuration = CurlMulti.Configuration()
        configuration.maxRequestsPerHost = 1
        let f = try ClientFixture(configuration: configuration) { _ in .hang }
        var first: Result<HTTPClientResponse, HTTPClientError>?
        var second: Result<HTTPClientResponse, HTTPClientError>?
        f.client.perform(HTTPClientRequest(url: f.url("/first"))) { first = $0 }
        let task = f.client.perform(HTTPClientRequest(url: f.url("/second"))) { second = $0 }
        #expect(task.isPending)
        task.cancel()
        guard case .failure(let e)? = second else { Issue.record("expected cancellation"); return }
        #expect(e == .cancelled)
        #expect(f.client.queuedCount == 0)
        #expect(runLoop(f.loop) { f.server.requests.count == 1 })
        f.client.close()
        guard case .failure(let closed)? = first else { Issue.record("expected cancellation"); return }
        #expect(closed == .cancelled)
        #expect(f.server.requests.map(\.target) == ["/first"])
    }
}
