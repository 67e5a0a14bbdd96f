import Testing
@testable import WireProtocol

@Suite struct BinaryPublicationTests {
    func parse(_ bytes: [UInt8]) -> (topic: String, payload: [UInt8])? {
        bytes.withUnsafeBytes { buf in
            BinaryPublication.parse(buf).map { ($0.topic, Array($0.payload)) }
        }
    }

    @Test func acceptsATopicHeaderAndPayload() throws {
        let ok = try #require(parse([5] + Array("audio".utf8) + [0, 1, 255]))
        #expect(ok.topic == "audio")
        #expect(ok.payload == [0, 1, 255])
        let empty = try #require(parse([1, UInt8(ascii: "a")]))
        #expect(empty.topic == "a")
        #expect(empty.payload.isEmpty)
        let accented = try #require(parse([2, 0xC3, 0xA9, 9]))
        #expect(accented.topic == "é")
        #expect(accented.payload == [9])
        let longest = try #require(parse([255] + [UInt8](repeating: UInt8(ascii: "t"), count: 255)))
        #expect(longest.topic.count == 255)
    }

    @Test(arguments: [
        [], [0], [0, 1, 2], [5, 97, 98], [1], [1, 0xFF, 1], [1, 0xC3, 0xA9], [2, 0xE2, 0x82],
    ] as [[UInt8]])
    func rejectsFramesWithoutAValidTopic(_ bytes: [UInt8]) {
        #expect(parse(bytes) == nil)
    }
}

/// The data envelopes, byte by byte (docs/protocol.md).
@Suite struct DataEnvelopeTests {
    @Test func binaryLayoutIsTopicSenderSeqTimeAndPayloadBigEndian() {
        let payload: [UInt8] = [0, 1, 255]
        let frame = payload.withUnsafeBytes { ServerMessage.binaryData(topic: "au", from: "bob", seq: 0x0102, payload: $0, ts: 0x0A0B) }
        let bytes = Array(frame.bytes)
        let body: [UInt8] = [2, 0x61, 0x75, 3, 0x62, 0x6F, 0x62, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0x0A, 0x0B, 0, 1, 255]
        #expect(bytes == [0x82, UInt8(body.count)] + body, "FIN + binary opcode, unmasked 7-bit length, then the body")
    }

    @Test func jsonEnvelopeCarriesThePayloadVerbatim() {
        let payload = Array(#"{ "a" : 1 }"#.utf8)
        let frame = payload.withUnsafeBytes { ServerMessage.data(topic: "chat", from: nil, seq: 7, payload: $0, reliable: false, ts: 12) }
        let bytes = Array(frame.bytes)
        let text = #"{"type":"data","topic":"chat","from":null,"seq":7,"payload":{ "a" : 1 },"reliable":false,"ts":12}"#
        #expect(bytes == [0x81, UInt8(text.utf8.count)] + Array(text.utf8))
    }
}

/// The subscriber's reader of binary data frames reads back exactly what the server wrote.
@Suite struct BinaryDataMessageTests {
    @Test func readsBackWhatTheServerWrote() throws {
        let payload: [UInt8] = [0, 1, 255, 7]
        let frame = payload.withUnsafeBytes { ServerMessage.binaryData(topic: "audio", from: "bob", seq: 0x0102_0304_0506, payload: $0, ts: -5) }
        let body = Array(frame.bytes.dropFirst(2))
        let message = try #require(body.withUnsafeBytes { b in BinaryDataMessage.parse(b).map { ($0.topic, $0.from, $0.seq, $0.ts, Array($0.payload)) } })
        #expect(message.0 == "audio")
        #expect(message.1 == "bob")
        #expect(message.2 == 0x0102_0304_0506)
        #expect(message.3 == -5)
        #expect(message.4 == payload)
        let fromServer = [UInt8]().withUnsafeBytes { ServerMessage.binaryData(topic: "a", from: "", seq: 1, payload: $0, ts: 0) }
        let serverBody = Array(fromServer.bytes.dropFirst(2))
        #expect(serverBody.withUnsafeBytes { BinaryDataMessage.parse($0)?.from } == "")
    }

    @Test(arguments: [
        [], [0, 0], [1, 97], [1, 97, 0], [1, 97, 0] + [UInt8](repeating: 0, count: 15), [1, 97, 3, 98] + [UInt8](repeating: 0, count: 16),
        [1, 0xFF, 0] + [UInt8](repeating: 0, count: 16), [1, 97, 1, 0xFF] + [UInt8](repeating: 0, count: 16),
    ] as [[UInt8]])
    func refusesCutOrInvalidHeaders(_ bytes: [UInt8]) {
        #expect(bytes.withUnsafeBytes { BinaryDataMessage.parse($0) } == nil)
    }
}
