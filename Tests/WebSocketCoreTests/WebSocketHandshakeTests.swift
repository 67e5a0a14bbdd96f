import HTTPCore
import Testing
@testable import WebSocketCore

@Suite struct WebSocketHandshakeTests {
    static func request(_ headers: [(String, String)], method: String = "GET", version: HTTPVersion = .http11) -> HTTPRequest {
        HTTPRequest(method: method, target: "/rtc", version: version, headers: HTTPHeaders(headers))
    }

    static let good: [(String, String)] = [
        ("Host", "localhost"), ("Upgrade", "websocket"), ("Connection", "keep-alive, Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
    ]

    @Test func rfcSampleAcceptValue() {
        #expect(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func acceptsAValidRequest() throws {
        let key = try WebSocketHandshake.validate(Self.request(Self.good)).get()
        let response = String(decoding: WebSocketHandshake.acceptResponse(forKey: key), as: UTF8.self)
        #expect(response.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        #expect(response.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"))
        #expect(response.hasSuffix("\r\n\r\n"))
    }

    private func refusal(_ headers: [(String, String)], method: String = "GET") -> WebSocketHandshake.Refusal? {
        if case .failure(let r) = WebSocketHandshake.validate(Self.request(headers, method: method)) { return r }
        return nil
    }

    private func replacing(_ name: String, with value: String?) -> [(String, String)] {
        var h = Self.good.filter { $0.0 != name }
        if let value { h.append((name, value)) }
        return h
    }

    @Test func wrongVersionIs426NamingVersion13() throws {
        let r = try #require(refusal(replacing("Sec-WebSocket-Version", with: "8")))
        #expect(r.status == .upgradeRequired)
        #expect(r.response.headers.first("Sec-WebSocket-Version") == "13")
        #expect(refusal(replacing("Sec-WebSocket-Version", with: nil))?.status == .upgradeRequired)
    }

    @Test func missingOrMalformedKeyIs400() {
        #expect(refusal(replacing("Sec-WebSocket-Key", with: nil))?.status == .badRequest)
        #expect(refusal(replacing("Sec-WebSocket-Key", with: "c2hvcnQ="))?.status == .badRequest)
        #expect(refusal(replacing("Sec-WebSocket-Key", with: "!!!!!!!!!!!!!!!!!!!!!!=="))?.status == .badRequest)
    }

    @Test func otherRules() {
        #expect(refusal(Self.good, method: "POST")?.status == .methodNotAllowed)
        #expect(refusal(replacing("Upgrade", with: nil))?.status == .upgradeRequired)
        #expect(refusal(replacing("Connection", with: "keep-alive"))?.status == .badRequest)
        if case .failure(let r) = WebSocketHandshake.validate(Self.request(Self.good, version: .http10)) {
            #expect(r.status == .badRequest)
        } else {
            Issue.record("HTTP/1.0 accepted")
        }
    }
}
