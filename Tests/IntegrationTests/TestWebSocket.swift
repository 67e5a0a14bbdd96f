import Foundation
import Testing
import WebSocketCore
import WireJSON

/// A blocking WebSocket client for integration tests, built on the pure client-side decoder
/// and a raw socket, so tests can also send frames no well-behaved client would.
final class TestWebSocket {
    let socket: TestSocket
    private var decoder = WebSocketDecoder(role: .client, limits: WebSocketLimits(maxFrameSize: 64 << 20, maxMessageSize: 64 << 20))
    private var inbox: [Received] = []
    private(set) var closed = false

    enum Received: Equatable {
        case text(String)
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        case close(UInt16?, String)
        /// The TCP connection ended without (further) frames.
        case disconnected
    }

    struct UpgradeRefused: Error, CustomStringConvertible {
        let response: TestHTTPResponse
        var description: String { "upgrade refused: \(response.status) \(response.bodyText)" }
    }

    static let sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

    /// Opens `/rtc` (or `path`) and performs the handshake; throws `UpgradeRefused` with the
    /// HTTP response when the server says no.
    convenience init(port: Int, path: String, extraHeaders: String = "", key: String = TestWebSocket.sampleKey, tls: TestTLS? = nil, source: String? = nil) throws {
        let socket = try TestSocket(port: port, tls: tls, source: source)
        try Self.sendUpgrade(on: socket, port: port, path: path, extraHeaders: extraHeaders, key: key)
        try self.init(upgradeSentOn: socket, key: key)
    }

    static func sendUpgrade(on socket: TestSocket, port: Int, path: String, extraHeaders: String = "", key: String = TestWebSocket.sampleKey) throws {
        try socket.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\(extraHeaders)\r\n")
    }

    /// Opens several WebSockets at once: every upgrade request is sent before any answer is
    /// read, so the server takes many handshakes (and joins) in one loop turn.
    static func openTogether(port: Int, paths: [String]) throws -> [TestWebSocket] {
        let sockets = try paths.map { path in
            let socket = try TestSocket(port: port)
            try sendUpgrade(on: socket, port: port, path: path)
            return socket
        }
        return try sockets.map { try TestWebSocket(upgradeSentOn: $0, key: sampleKey) }
    }

    /// Reads the answer to an upgrade request already sent on `socket`.
    init(upgradeSentOn socket: TestSocket, key: String) throws {
        self.socket = socket
        let (response, rest) = try socket.readResponse()
        guard response.status == 101 else { throw UpgradeRefused(response: response) }
        #expect(response.header("Sec-WebSocket-Accept") == WebSocketHandshake.acceptValue(forKey: key))
        socket.pending = []
        feed(rest)
    }

    convenience init(port: Int, token: String, query: String = "", tls: TestTLS? = nil) throws {
        try self.init(port: port, path: "/rtc?access_token=\(token)\(query)", tls: tls)
    }

    private func feed(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        var copy = bytes
        do {
            try copy.withUnsafeMutableBytes { buf in
                try decoder.decode(buf) { event in
                    switch event {
                    case .text(let p): inbox.append(.text(String(decoding: p, as: UTF8.self)))
                    case .binary(let p): inbox.append(.binary(Array(p)))
                    case .ping(let p): inbox.append(.ping(Array(p)))
                    case .pong(let p): inbox.append(.pong(Array(p)))
                    case .close(let code, let reason): inbox.append(.close(code?.rawValue, String(decoding: reason, as: UTF8.self)))
                    }
                }
            }
        } catch {
            Issue.record("server sent an invalid frame: \(error)")
        }
    }

    /// The next frame (server pings are skipped unless `includePings`).
    func next(timeout: Double = TestSocket.defaultTimeout, includePings: Bool = false) throws -> Received {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            while !inbox.isEmpty {
                let r = inbox.removeFirst()
                if case .ping(let p) = r, !includePings {
                    try? send(.pong, p)
                    continue
                }
                return r
            }
            if closed { return .disconnected }
            let chunk = try socket.receive(timeout: max(0.001, deadline.timeIntervalSinceNow))
            if chunk.isEmpty {
                closed = true
                return .disconnected
            }
            feed(chunk)
        }
    }

    /// The next JSON text message, parsed.
    func nextJSON(timeout: Double = TestSocket.defaultTimeout, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        let r = try next(timeout: timeout)
        guard case .text(let text) = r else {
            Issue.record("expected a text message, got \(r)", sourceLocation: sourceLocation)
            return .null
        }
        return try JSONParser.parse(text)
    }

    /// The next JSON message of `type`, skipping others (presence, metrics…).
    func next(type: String, timeout: Double = TestSocket.defaultTimeout) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let r = try next(timeout: max(0.001, deadline.timeIntervalSinceNow))
            guard case .text(let text) = r else { throw UnexpectedFrame(frame: r, wanted: type) }
            let v = try JSONParser.parse(text)
            if v["type"]?.stringValue == type { return v }
        }
    }

    struct UnexpectedFrame: Error, CustomStringConvertible {
        let frame: Received
        let wanted: String
        var description: String { "wanted '\(wanted)', got \(frame)" }
    }

    /// Waits for the server's close frame (skipping messages) and returns its code.
    func expectClose(timeout: Double = TestSocket.defaultTimeout) throws -> UInt16? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            switch try next(timeout: max(0.001, deadline.timeIntervalSinceNow)) {
            case .close(let code, _): return code
            case .disconnected: return nil
            default: continue
            }
        }
    }

    /// Waits for the server's close frame (skipping messages) and returns it whole, code and
    /// reason; `.disconnected` when the connection ended without one.
    func expectCloseFrame(timeout: Double = TestSocket.defaultTimeout) throws -> Received {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let frame = try next(timeout: max(0.001, deadline.timeIntervalSinceNow))
            switch frame {
            case .close, .disconnected: return frame
            default: continue
            }
        }
    }

    /// Asserts nothing arrives within `timeout` (skipping server pings).
    func expectSilence(_ timeout: Double = 0.3) throws -> Received? {
        do {
            return try next(timeout: timeout)
        } catch is TestSocket.Timeout {
            return nil
        }
    }

    // MARK: Sending

    func send(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true) throws {
        try socket.send(WebSocketFrameEncoder.frame(opcode, payload: payload, fin: fin, maskKey: UInt32.random(in: 1...UInt32.max)))
    }

    func send(text: String) throws {
        try send(.text, Array(text.utf8))
    }

    func send(json: JSONValue) throws {
        try send(.text, json.serialized)
    }

    /// Bytes exactly as given (malformed frames).
    func sendRaw(_ bytes: [UInt8]) throws {
        try socket.send(bytes)
    }

    func close(code: UInt16 = 1000) throws {
        try send(.close, [UInt8(code >> 8), UInt8(code & 0xFF)])
    }
}
