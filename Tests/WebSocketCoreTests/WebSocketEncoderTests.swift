import Testing
@testable import WebSocketCore

@Suite struct WebSocketEncoderTests {
    @Test(arguments: [0, 1, 125, 126, 127, 65535, 65536, 70000])
    func serverFramesRoundTripThroughAClientDecoder(_ length: Int) {
        let payload = [UInt8](repeating: 0x5A, count: length)
        let frame = WebSocketFrameEncoder.frame(.binary, payload: payload)
        #expect(frame.count == WebSocketFrameEncoder.headerLength(payloadCount: length, masked: false) + length)
        #expect(decode(frame, role: .client, limits: WebSocketLimits(maxFrameSize: 1 << 20)).events == [.binary(payload)])
    }

    @Test func maskedClientFramesRoundTripThroughAServerDecoder() {
        let frame = WebSocketFrameEncoder.frame(.text, payload: Array("héllo".utf8), maskKey: 0x0102_0304)
        #expect(decode(frame).events == [.text("héllo")])
    }

    @Test func rfcExampleFrames() {
        // RFC 6455 §5.7: unmasked "Hello" and a masked "Hello".
        #expect(WebSocketFrameEncoder.frame(.text, payload: Array("Hello".utf8)) == [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        let masked: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        #expect(decode(masked).events == [.text("Hello")])
        let key = masked[2..<6].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        #expect(WebSocketFrameEncoder.frame(.text, payload: Array("Hello".utf8), maskKey: key) == masked)
    }

    @Test(arguments: [0, 125, 126, 65535, 65536])
    func frameInPlaceWritesHeaderBeforeReservedPayload(_ length: Int) {
        var buffer = [UInt8](repeating: 0, count: WebSocketFrameEncoder.maxHeaderLength) + [UInt8](repeating: 7, count: length)
        let start = WebSocketFrameEncoder.frameInPlace(&buffer, opcode: .text)
        #expect(Array(buffer[start...]) == WebSocketFrameEncoder.frame(.text, payload: [UInt8](repeating: 7, count: length)))
    }

    @Test func closePayloadTruncatesOnACharacterBoundary() {
        let reason = String(repeating: "€", count: 60)  // 180 bytes
        let payload = WebSocketFrameEncoder.closePayload(.goingAway, reason: reason)
        #expect(payload.count <= 125)
        #expect(payload[0] == 0x03 && payload[1] == 0xE9)
        #expect(String(validating: payload[2...], as: UTF8.self) == String(repeating: "€", count: 41))
        #expect(WebSocketFrameEncoder.closePayload(.normalClosure, reason: "ok") == [0x03, 0xE8, 0x6F, 0x6B])
    }
}
