import Foundation
import Testing
import WebSocketCore
import WireJSON

/// RFC 6455 over a real socket against the real server: one server for the suite, a room per
/// test.
@Suite(.sharedServer(config: """
    limits:
      max_frame_bytes: 4096
      max_message_bytes: 8192
      max_payload_bytes: 1000
    """))
struct WebSocketWireTests {
    let server: ServerProcess
    let room = ServerProcess.uniqueRoom()

    init() throws {
        server = try .shared
    }

    func join(_ identity: String = "w") throws -> TestWebSocket {
        let ws = try TestWebSocket(port: server.port, token: server.token(identity, room: room))
        #expect(try ws.nextJSON()["type"] == "joined")
        return ws
    }

    @Test func pingEchoesIdAndTimeExactly() throws {
        let ws = try join()
        try ws.send(text: #"{"type":"ping","id":"abc-1","t":1234.5678}"#)
        let pong = try ws.nextJSON()
        #expect(pong["type"] == "pong")
        #expect(pong["id"] == "abc-1")
        #expect(pong["t"] == 1234.5678)
        #expect(pong["server_t"]?.int64Value ?? 0 > 1_700_000_000_000)
        try ws.send(text: #"{"type":"ping","id":{"nested":[1,2]},"t":1}"#)
        #expect(try ws.nextJSON()["id"] == ["nested": [1, 2]])
    }

    @Test func badJSONAndUnknownTypesAreErrorsAndTheConnectionStays() throws {
        let ws = try join()
        for (text, code) in [("nope", "bad_json"), ("[1,2]", "bad_json"), (#"{"type":"zap"}"#, "unknown_type"), (#"{"no":"type"}"#, "bad_message"), (#"{"type":"publish","topic":5}"#, "bad_message")] {
            try ws.send(text: text)
            let e = try ws.nextJSON()
            #expect(e["type"] == "error")
            #expect(e["code"]?.stringValue == code, "\(text)")
            #expect(e["message"]?.stringValue?.isEmpty == false)
        }
        try ws.send(text: #"{"type":"ping","id":1}"#)
        #expect(try ws.nextJSON()["type"] == "pong")
        // Errors name the request they answer even when it could not be parsed as a whole.
        for text in [#"{"type":"zap","id":9}"#, #"{"type":"publish","id":"p"}"#, #"{"id":[1],"topics":"x"}"#] {
            try ws.send(text: text)
            let e = try ws.nextJSON()
            #expect(e["type"] == "error")
            #expect(e["id"] == (try JSONParser.parse(text))["id"], "\(text)")
        }
    }

    @Test func answersPingFramesWithPongs() throws {
        let ws = try join()
        try ws.send(.ping, [1, 2, 3])
        #expect(try ws.next() == .pong([1, 2, 3]))
    }

    @Test func reassemblesFragmentedMessagesWithInterleavedControlFrames() throws {
        let ws = try join()
        try ws.send(.text, Array(#"{"type":"pi"#.utf8), fin: false)
        try ws.send(.ping, [9])
        try ws.send(.continuation, Array(#"ng","id":"#.utf8), fin: false)
        try ws.send(.continuation, Array("42}".utf8))
        #expect(try ws.next() == .pong([9]))
        #expect(try ws.nextJSON()["id"] == 42)
    }

    @Test func echoesTheCloseHandshake() throws {
        let ws = try join()
        try ws.close(code: 1000)
        #expect(try ws.next() == .close(1000, ""))
        #expect(try ws.next() == .disconnected)
    }

    /// Each violation closes with 1002 and the reason naming the exact rule broken.
    @Test(arguments: [
        ("unmasked", WebSocketFrameEncoder.frame(.text, payload: Array("{}".utf8)), "client frames must be masked"),
        ("reserved opcode", WebSocketFrameEncoder.frame(.text, payload: [], maskKey: 1).replacing(at: 0, with: 0x83), "reserved opcode 3"),
        ("rsv1", WebSocketFrameEncoder.frame(.text, payload: Array("{}".utf8), maskKey: 7).replacing(at: 0, with: 0xC1),
         "reserved bits set without a negotiated extension"),
        ("fragmented ping", WebSocketFrameEncoder.frame(.ping, payload: [1], fin: false, maskKey: 7), "control frames must not be fragmented"),
        ("long ping", WebSocketFrameEncoder.frame(.ping, payload: [UInt8](repeating: 0, count: 126), maskKey: 7), "control frame payload over 125 bytes"),
        ("orphan continuation", WebSocketFrameEncoder.frame(.continuation, payload: [1], maskKey: 7), "continuation frame without a message to continue"),
        ("bad close code", WebSocketFrameEncoder.frame(.close, payload: [0x03, 0xED], maskKey: 7), "invalid close code 1005"),
    ] as [(String, [UInt8], String)])
    func protocolViolationsClose1002(_ name: String, _ frame: [UInt8], _ reason: String) throws {
        let ws = try join(name.replacingOccurrences(of: " ", with: "-"))
        try ws.sendRaw(frame)
        #expect(try ws.expectCloseFrame() == .close(1002, reason), "\(name)")
        #expect(try ws.next() == .disconnected)
    }

    @Test func invalidUTF8Closes1007EvenSplitAcrossFragments() throws {
        let ws = try join()
        try ws.send(.text, [0x7B, 0xE2], fin: false)  // "{" and the start of a 3-byte character
        try ws.send(.continuation, [0x28], fin: false)  // not a continuation byte
        #expect(try ws.expectCloseFrame() == .close(1007, "text message is not valid UTF-8"))
    }

    @Test func validUTF8SplitAcrossFragmentsIsAccepted() throws {
        let ws = try join()
        let text = Array(#"{"type":"ping","id":"€"}"#.utf8)
        let cut = text.firstIndex(of: 0xE2)! + 1
        try ws.send(.text, Array(text[..<cut]), fin: false)
        try ws.send(.continuation, Array(text[cut...]))
        #expect(try ws.nextJSON()["id"] == "€")
    }

    @Test func oversizedFrameCloses1009FromItsHeaderAlone() throws {
        let ws = try join()
        // Only the header of a 5000-byte frame: no payload is ever sent.
        let header = Array(WebSocketFrameEncoder.frame(.binary, payload: [UInt8](repeating: 0, count: 5000), maskKey: 3).prefix(8))
        try ws.sendRaw(header)
        #expect(try ws.expectCloseFrame() == .close(1009, "frame larger than 4096 bytes"))
    }

    @Test func oversizedMessageCloses1009OnTheRunningTotal() throws {
        let ws = try join()
        let chunk = [UInt8](repeating: 0x20, count: 4000)
        try ws.send(.text, chunk, fin: false)
        try ws.send(.continuation, chunk, fin: false)
        try ws.sendRaw(Array(WebSocketFrameEncoder.frame(.continuation, payload: chunk, fin: false, maskKey: 3).prefix(8)))
        #expect(try ws.expectCloseFrame() == .close(1009, "message larger than 8192 bytes"))
    }

    @Test func otherParticipantsSurviveAProtocolError() throws {
        let good = try join("good")
        let bad = try join("bad")
        _ = try good.next(type: "participant_joined")
        try bad.sendRaw([0x81, 0x02, 0x7B, 0x7D])  // unmasked
        #expect(try bad.expectCloseFrame() == .close(1002, "client frames must be masked"))
        try good.send(text: #"{"type":"ping","id":5}"#)
        #expect(try good.next(type: "pong")["id"] == 5)
    }

    @Test func manyMessagesInOneWriteAreAllAnswered() throws {
        let ws = try join()
        var burst: [UInt8] = []
        for i in 0..<200 {
            burst += WebSocketFrameEncoder.frame(.text, payload: Array(#"{"type":"ping","id":\#(i)}"#.utf8), maskKey: UInt32(i + 1))
        }
        try ws.sendRaw(burst)
        for i in 0..<200 {
            #expect(try ws.next(type: "pong")["id"] == .number(Double(i)))
        }
    }
}

@Suite(.blocking) struct WebSocketTimeoutTests {
    @Test func idleClientIsClosedWith1001() throws {
        let server = try ServerProcess(config: """
            limits:
              idle_timeout: 1
              ping_interval: 30
            """)
        let ws = try TestWebSocket(port: server.port, token: server.token("idle"))
        _ = try ws.nextJSON()
        #expect(try ws.expectClose(timeout: 5) == 1001)
    }

    @Test func serverPingsClients() throws {
        let server = try ServerProcess(config: """
            limits:
              ping_interval: 1
            """)
        let ws = try TestWebSocket(port: server.port, token: server.token("pinged"))
        _ = try ws.nextJSON()
        let frame = try ws.next(timeout: 4, includePings: true)
        guard case .ping(let payload) = frame else {
            Issue.record("expected a ping, got \(frame)")
            return
        }
        #expect(payload.count == 8)
    }
}

extension Array where Element == UInt8 {
    func replacing(at index: Int, with value: UInt8) -> [UInt8] {
        var copy = self
        copy[index] = value
        return copy
    }
}
