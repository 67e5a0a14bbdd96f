import Testing
@testable import HTTPCore

/// Feeds `text` to a fresh parser in pieces of `chunk` bytes and collects the requests.
private func parseAll(_ text: String, chunk: Int = .max, limits: HTTPLimits = HTTPLimits()) throws -> (requests: [HTTPRequest], leftover: Int) {
    var parser = HTTPRequestParser(limits: limits)
    let bytes = Array(text.utf8)
    var requests: [HTTPRequest] = []
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        var piece = Array(bytes[offset..<end])
        while !piece.isEmpty {
            let result = try piece.withUnsafeBytes { try parser.parse($0) }
            if let r = result.request { requests.append(r) }
            piece.removeFirst(result.consumed)
            if result.consumed == 0 { break }
        }
        offset = end
    }
    return (requests, parser.hasPartialRequest ? 1 : 0)
}

private func expectStatus(_ status: HTTPStatus, _ text: String, limits: HTTPLimits = HTTPLimits(), sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try parseAll(text, limits: limits)
        Issue.record("expected \(status.code)", sourceLocation: sourceLocation)
    } catch let error as HTTPParseError {
        #expect(error.status == status, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct HTTPRequestParserTests {
    static let get = "GET /rtc?access_token=abc%2Bdef&x=a+b HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\r\n"

    @Test func parsesRequestLineHeadersAndQuery() throws {
        let (requests, partial) = try parseAll(Self.get)
        #expect(partial == 0)
        let r = try #require(requests.first)
        #expect(r.method == "GET")
        #expect(r.path == "/rtc")
        #expect(r.query("access_token") == "abc+def")
        #expect(r.query("x") == "a b")
        #expect(r.headers.first("upgrade") == "websocket")
        #expect(r.headers.containsToken("upgrade", in: "connection"))
        #expect(r.keepAlive)
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func sameResultWhenFedInPieces(chunk: Int) throws {
        let post = "POST /twirp/x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        let (requests, _) = try parseAll(Self.get + post, chunk: chunk)
        #expect(requests.count == 2)
        #expect(requests[1].body == Array("hello".utf8))
        #expect(requests[0].target == "/rtc?access_token=abc%2Bdef&x=a+b")
    }

    @Test func stopsAtTheEndOfEachRequest() throws {
        var parser = HTTPRequestParser()
        let bytes = Array((Self.get + "\u{81}\u{85}frame").utf8)
        let result = try bytes.withUnsafeBytes { try parser.parse($0) }
        #expect(result.request != nil)
        #expect(result.consumed == Self.get.utf8.count)
    }

    @Test func decodesChunkedBodies() throws {
        let text = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n"
        for chunk in [1, 5, 1000] {
            let (requests, _) = try parseAll(text, chunk: chunk)
            #expect(requests.first?.body == Array("hello world".utf8))
        }
    }

    @Test func ignoresLeadingEmptyLinesAndAcceptsBareLF() throws {
        let (requests, _) = try parseAll("\r\n\nGET / HTTP/1.1\nHost: h\n\n")
        #expect(requests.first?.path == "/")
    }

    @Test func http10ClosesUnlessKeepAlive() throws {
        #expect(try parseAll("GET / HTTP/1.0\r\n\r\n").requests[0].keepAlive == false)
        #expect(try parseAll("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").requests[0].keepAlive == true)
        #expect(try parseAll("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").requests[0].keepAlive == false)
    }

    @Test func reportsExpectContinue() throws {
        var parser = HTTPRequestParser()
        let head = Array("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8)
        let r = try head.withUnsafeBytes { try parser.parse($0) }
        #expect(r.expectsContinue && r.request == nil)
        let body = Array("abc".utf8)
        let r2 = try body.withUnsafeBytes { try parser.parse($0) }
        #expect(r2.request?.body == body)
    }

    @Test func partialRequestIsVisible() throws {
        var parser = HTTPRequestParser()
        #expect(!parser.hasPartialRequest)
        let bytes = Array("GET / HT".utf8)
        _ = try bytes.withUnsafeBytes { try parser.parse($0) }
        #expect(parser.hasPartialRequest)
    }

    @Test(arguments: [
        "GET /\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
        "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",  // no Host
        "GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n: novalue\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
        "GET / FTP/1.1\r\nHost: h\r\n\r\n",
    ])
    func malformedRequestsAre400(_ text: String) {
        expectStatus(.badRequest, text)
    }

    @Test func unknownVersionIs505() {
        expectStatus(.httpVersionNotSupported, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    }

    @Test func unsupportedTransferEncodingIs501() {
        expectStatus(.notImplemented, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
    }

    @Test func oversizedBodyIs413AsSoonAsTheLengthIsKnown() throws {
        let limits = HTTPLimits(maxBodyBytes: 10)
        expectStatus(.contentTooLarge, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits)
        expectStatus(.contentTooLarge, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", limits: limits)
        expectStatus(.contentTooLarge, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n", limits: limits)
        _ = try parseAll("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits)
    }

    @Test func oversizedHeadIs431() {
        let limits = HTTPLimits(maxHeadBytes: 200, maxHeaderCount: 3)
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 300) + "\r\n\r\n"
        expectStatus(.requestHeaderFieldsTooLarge, big, limits: limits)
        let many = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        expectStatus(.requestHeaderFieldsTooLarge, many, limits: limits)
    }

    @Test func oversizedHeadIsRefusedBeforeItEnds() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits(maxHeadBytes: 100))
        let bytes = Array(("GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 200)).utf8)
        #expect(throws: HTTPParseError.self) { try bytes.withUnsafeBytes { try parser.parse($0) } }
    }

    @Test func longRequestLineIs414() {
        let limits = HTTPLimits(maxRequestLineBytes: 50)
        expectStatus(.uriTooLong, "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits)
        expectStatus(.uriTooLong, "GET /" + String(repeating: "a", count: 100), limits: limits)
    }

    /// RFC 9112 §3.2 (issue 12: two Host headers were answered 200).
    @Test func twoHostHeadersAre400() {
        expectStatus(.badRequest, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        expectStatus(.badRequest, "GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n")
    }

    /// RFC 9112 §3.2.2: a server must accept absolute-form targets (issue 12: they got 404).
    @Test(arguments: [
        ("http://127.0.0.1:7880/healthz", "/healthz"), ("HTTP://h/rtc?access_token=x", "/rtc?access_token=x"),
        ("https://h", "/"), ("http://h?q=1", "/?q=1"), ("/plain?x", "/plain?x"), ("*", "*"),
    ])
    func absoluteFormTargetsBecomeOriginForm(_ target: String, _ origin: String) throws {
        let (requests, _) = try parseAll("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(requests.first?.target == origin)
    }
}

@Suite struct HTTPResponseTests {
    @Test func serializesWithLengthAndConnection() {
        let r = HTTPResponse.text(.notFound, "no route")
        let text = String(decoding: r.serialized(keepAlive: true), as: UTF8.self)
        #expect(text == "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 9\r\nConnection: keep-alive\r\n\r\nno route\n")
    }

    @Test func headResponseOmitsBody() {
        let r = HTTPResponse(status: .ok, contentType: "text/html", body: "<p>")
        let text = String(decoding: r.serialized(keepAlive: false, includeBody: false), as: UTF8.self)
        #expect(text.hasSuffix("Content-Length: 3\r\nConnection: close\r\n\r\n"))
    }

    @Test func percentDecoding() {
        #expect(PercentDecoding.decode("a%20b%e2%82%ac") == "a b€")
        #expect(PercentDecoding.decode("%zz") == nil)
        #expect(PercentDecoding.decode("%ff") == nil)
    }
}
