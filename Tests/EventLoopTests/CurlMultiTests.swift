import EventLoop
import HTTPClient
import HTTPCore
import Testing

/// The curl client against a server on the same loop: if the client ever blocked the loop,
/// the server could not answer and every test here would time out.
@Suite struct CurlMultiTests {
    @Test func getReturnsStatusHeadersAndBody() throws {
        let f = try ClientFixture { request in
            .respond(HTTPResponse(status: .ok, headers: HTTPHeaders([("X-Answer", "42"), ("Content-Type", "text/plain")]), body: Array("hello".utf8)))
        }
        let request = HTTPClientRequest(url: f.url("/path?q=1"), headers: [("Authorization", "Bearer abc"), ("Accept", "text/plain")])
        let response = try #require(try f.fetch(request)?.get())
        #expect(response.status == 200)
        #expect(response.bodyText == "hello")
        #expect(response.header("x-answer") == "42")
        #expect(response.header("Content-Type") == "text/plain")
        let seen = try #require(f.server.requests.first)
        #expect(seen.method == "GET")
        #expect(seen.target == "/path?q=1")
        #expect(seen.headers.first("Authorization") == "Bearer abc")
        #expect(seen.headers.first("Accept") == "text/plain")
        #expect(seen.headers.first("User-Agent") == "WaveDefect")
        #expect(seen.body.isEmpty)
    }

    @Test func postSendsTheExactBodyWithoutExpectContinue() throws {
        let f = try ClientFixture { request in
            .respond(HTTPResponse(status: .created, body: request.body))
        }
        var body = [UInt8](repeating: 0, count: 200_000)
        for i in body.indices { body[i] = UInt8(truncatingIfNeeded: i &* 7) }
        let request = HTTPClientRequest(method: "POST", url: f.url("/echo"), headers: [("Content-Type", "application/octet-stream")], body: body)
        let response = try #require(try f.fetch(request)?.get())
        #expect(response.status == 201)
        #expect(response.body == body)
        let seen = try #require(f.server.requests.first)
        #expect(seen.method == "POST")
        #expect(seen.headers.first("Content-Type") == "application/octet-stream")
        #expect(seen.headers.first("Expect") == nil)
        #expect(seen.headers.first("Content-Length") == "200000")
    }

    @Test func otherMethodsGoOutAsWritten() throws {
        let f = try ClientFixture { request in
            .respond(HTTPResponse(status: .ok, body: Array("\(request.method) \(request.body.count)".utf8)))
        }
        let cases: [(String, [UInt8]?, String)] = [
            ("PUT", Array("abc".utf8), "PUT 3"), ("PATCH", Array("{}".utf8), "PATCH 2"), ("DELETE", nil, "DELETE 0"),
            ("POST", nil, "POST 0"), ("PUT", nil, "PUT 0"), ("GET", nil, "GET 0"),
        ]
        for (method, body, expected) in cases {
            let response = try #require(try f.fetch(HTTPClientRequest(method: method, url: f.url("/m"), body: body))?.get())
            #expect(response.bodyText == expected, "\(method)")
        }
        let head = try #require(try f.fetch(HTTPClientRequest(method: "HEAD", url: f.url("/m")))?.get())
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(f.server.requests.last?.method == "HEAD")
        #expect(f.server.requests.filter { $0.method == "POST" || $0.method == "PUT" }.allSatisfy { $0.headers.first("Content-Length") != nil })
    }

    @Test func errorStatusesAreResponses() throws {
        let f = try ClientFixture { request in
            switch request.target {
            case "/missing": .respond(.text(.notFound, "no"))
            case "/busy": .respond(HTTPResponse(status: .tooManyRequests, headers: HTTPHeaders([("Retry-After", "3")])))
            default: .respond(.text(.serviceUnavailable, "later"))
            }
        }
        let missing = try #require(try f.fetch(HTTPClientRequest(url: f.url("/missing")))?.get())
        #expect(missing.status == 404)
        #expect(!missing.isSuccess)
        let busy = try #require(try f.fetch(HTTPClientRequest(url: f.url("/busy")))?.get())
        #expect(busy.status == 429)
        #expect(busy.header("Retry-After") == "3")
        let down = try #require(try f.fetch(HTTPClientRequest(url: f.url("/down")))?.get())
        #expect(down.status == 503)
        #expect(down.bodyText == "later\n")
        #expect(f.client.responses == 3)
        #expect(f.client.failures == 0)
    }

    @Test func hostNamesResolveWithoutBlocking() throws {
        let f = try ClientFixture { _ in .respond(.text(.ok, "resolved")) }
        let response = try #require(try f.fetch(HTTPClientRequest(url: "http://localhost:\(f.server.port)/"))?.get())
        #expect(response.bodyText == "resolved\n")
    }

    @Test func refusedConnectionIsATransientError() throws {
        let f = try ClientFixture { _ in .respond(HTTPResponse(status: .ok)) }
        // A port that was just bound and released: nothing listens there.
        let probe = try TCPListener(loop: f.loop, host: "127.0.0.1", port: 0) { $0.close() }
        let port = probe.port
        probe.close()
        let result = try #require(f.fetch(HTTPClientRequest(url: "http://127.0.0.1:\(port)/")))
        guard case .failure(let error) = result else { Issue.record("expected an error, got \(result)"); return }
        #expect(error == .couldNotConnect)
        #expect(error.isTransient)
        #expect(error.curlCode == 7)
    }

    @Test func silentServerTimesOut() throws {
        let f = try ClientFixture { _ in .hang }
        let result = try #require(f.fetch(HTTPClientRequest(url: f.url("/slow"), timeout: 0.2)))
        guard case .failure(let error) = result else { Issue.record("expected a timeout, got \(result)"); return }
        #expect(error == .timedOut)
        #expect(error.isTransient)
    }

    @Test func responseBodyIsCapped() throws {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
        var chunked = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        for _ in 0..<16 { chunked += Array("1000\r\n".utf8) + big.prefix(4096) + Array("\r\n".utf8) }
        chunked += Array("0\r\n\r\n".utf8)
        let f = try ClientFixture { request in
            request.target == "/chunked" ? .raw(chunked) : .respond(HTTPResponse(status: .ok, body: big))
        }
        // Announced by Content-Length, and discovered while streaming.
        for path in ["/sized", "/chunked"] {
            var request = HTTPClientRequest(url: f.url(path))
            request.maxResponseBodyBytes = 1000
            let result = try #require(f.fetch(request))
            guard case .failure(let error) = result else { Issue.record("\(path): expected an error"); continue }
            #expect(error == .responseTooLarge, "\(path): \(error)")
        }
        // Under the limit it arrives whole.
        var request = HTTPClientRequest(url: f.url("/chunked"))
        request.maxResponseBodyBytes = big.count
        #expect(try f.fetch(request)?.get().body.count == big.count)
    }

    @Test func configuredBodyLimitApplies() throws {
        var configuration = CurlMulti.Configuration()
        configuration.maxResponseBodyBytes = 10
        let f = try ClientFixture(configuration: configuration) { _ in .respond(.text(.ok, "more than ten bytes")) }
        let result = try #require(f.fetch(HTTPClientRequest(url: f.url("/"))))
        guard case .failure(let error) = result else { Issue.record("expected an error"); return }
        #expect(error == .responseTooLarge)
    }

    @Test func truncatedResponseIsATransportError() throws {
        let f = try ClientFixture { _ in .raw(Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc".utf8)) }
        let result = try #require(f.fetch(HTTPClientRequest(url: f.url("/"))))
        guard case .failure(let error) = result else { Issue.record("expected an error, got \(result)"); return }
        #expect(error == .transport)
        #expect(error.isTransient)
    }

    @Test func badRequestsAreRefusedAfterPerformReturns() throws {
        let f = try ClientFixture { _ in .respond(HTTPResponse(status: .ok)) }
        let requests = [
            HTTPClientRequest(url: "ftp://127.0.0.1/file"),
            HTTPClientRequest(url: "http://exa mple.com/"),
            HTTPClientRequest(url: f.url("/"), headers: [("X-Injected", "a\r\nEvil: yes")]),
            HTTPClientRequest(url: f.url("/"), headers: [("Bad Name", "v")]),
        ]
        var errors: [HTTPClientError?] = Array(repeating: nil, count: requests.count)
        for (i, request) in requests.enumerated() {
            f.client.perform(request) { result in
                if case .failure(let e) = result { errors[i] = e } else { Issue.record("request \(i) succeeded") }
            }
        }
        #expect(errors.allSatisfy { $0 == nil }, "no completion runs inside perform")
        #expect(runLoop(f.loop) { errors.allSatisfy { $0 != nil } })
        for (i, error) in errors.enumerated() {
            #expect(error == .invalidRequest, "request \(i): \(String(describing: error))")
            #expect(error?.isTransient == false)
        }
        #expect(f.server.requests.isEmpty)
    }

    @Test func manyConcurrentRequestsAllComplete() throws {
        var configuration = CurlMulti.Configuration()
        configuration.maxRequestsPerHost = 4
        let f = try ClientFixture(configuration: configuration) { request in .respond(.text(.ok, String(request.target.dropFirst()))) }
        var bodies: [Int: String] = [:]
        for i in 0..<200 {
            f.client.perform(HTTPClientRequest(url: f.url("/\(i)"))) { result in
                bodies[i] = (try? result.get().bodyText) ?? "error"
            }
        }
        #expect(f.client.activeCount == 200)
        #expect(runLoop(f.loop) { bodies.count == 200 })
        for i in 0..<200 { #expect(bodies[i] == "\(i)\n") }
        #expect(f.client.activeCount == 0)
        #expect(f.server.requests.count == 200)
        #expect(f.server.acceptedConnections <= 4, "connections are capped per host and reused")
    }

    @Test func completionsMayChainRequests() throws {
        let f = try ClientFixture { request in .respond(.text(.ok, String(request.target.dropFirst()))) }
        var seen: [String] = []
        func next(_ i: Int) {
            f.client.perform(HTTPClientRequest(url: f.url("/\(i)"))) { result in
                seen.append((try? result.get().bodyText) ?? "error")
                if i < 5 { next(i + 1) }
            }
        }
        next(1)
        #expect(runLoop(f.loop) { seen.count == 5 })
        #expect(seen == ["1\n", "2\n", "3\n", "4\n", "5\n"])
        #expect(f.server.acceptedConnections == 1, "keep-alive connection reused")
    }

    @Test func cancelCompletesAtOnce() throws {
        let f = try ClientFixture { _ in .hang }
        var result: Result<HTTPClientResponse, HTTPClientError>?
        let task = f.client.perform(HTTPClientRequest(url: f.url("/slow"))) { result = $0 }
        #expect(runLoop(f.loop) { !f.server.requests.isEmpty })
        #expect(task.isPending)
        task.cancel()
        guard case .failure(let error)? = result else { Issue.record("expected cancellation, got \(String(describing: result))"); return }
        #expect(error == .cancelled)
        #expect(!task.isPending)
        task.cancel()
        #expect(f.client.activeCount == 0)
    }

    @Test func closeCancelsEverythingAndRefusesMore() throws {
        let f = try ClientFixture { _ in .hang }
        var results: [HTTPClientError] = []
        for i in 0..<3 {
            f.client.perform(HTTPClientRequest(url: f.url("/\(i)"))) { result in
                if case .failure(let e) = result { results.append(e) }
            }
        }
        #expect(runLoop(f.loop) { f.server.requests.count == 3 })
        // Closing from inside a completion is allowed too.
        f.client.perform(HTTPClientRequest(url: "http://127.0.0.1:1/")) { _ in f.client.close() }
        #expect(runLoop(f.loop) { f.client.isClosed })
        #expect(results == [.cancelled, .cancelled, .cancelled])
        var late: HTTPClientError?
        f.client.perform(HTTPClientRequest(url: f.url("/late"))) { if case .failure(let e) = $0 { late = e } }
        #expect(late == .cancelled)
    }

    @Test func urlsAreRedactedForLogs() {
        #expect(HTTPClientRequest.redact("https://user:pw@hooks.example.com:8443/a/b?token=s3cret#frag") == "https://hooks.example.com:8443/a/b")
        #expect(HTTPClientRequest.redact("http://example.com") == "http://example.com")
        #expect(HTTPClientRequest.redact("http://example.com/x@y?k=v") == "http://example.com/x@y")
        #expect(HTTPClientRequest(url: "http://h/p?key=1").redactedURL == "http://h/p")
    }
}
