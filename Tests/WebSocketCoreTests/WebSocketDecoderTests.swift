import Testing
@testable import WebSocketCore

@Suite struct WebSocketDecoderTests {
    @Test(arguments: allSplits.indices)
    func decodesMessagesAndControlFramesInAnySplit(_ splitIndex: Int) {
        let big = [UInt8]((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let medium = String(repeating: "é", count: 200)  // 400 bytes, 16-bit length
        let input = text("hello") + clientFrame(0x2, big) + clientFrame(0x9, [1, 2]) + text(medium)
            + clientFrame(0xA, []) + text("") + clientFrame(0x8, [0x03, 0xE8] + Array("bye".utf8))
        let out = decode(input, split: allSplits[splitIndex])
        #expect(out.error == nil)
        #expect(out.events == [.text("hello"), .binary(big), .ping([1, 2]), .text(medium), .pong([]), .text(""), .close(1000, "bye")])
    }

    @Test(arguments: allSplits.indices)
    func reassemblesFragmentsWithInterleavedControlFrames(_ splitIndex: Int) {
        let input = text("Hel", fin: false) + clientFrame(0x9, Array("p".utf8)) + cont(Array("lo, ".utf8), fin: false)
            + clientFrame(0xA, []) + cont([], fin: false) + cont(Array("world".utf8))
            + clientFrame(0x2, [1], fin: false) + cont([2, 3])
        let out = decode(input, split: allSplits[splitIndex])
        #expect(out.error == nil)
        #expect(out.events == [.ping(Array("p".utf8)), .pong([]), .text("Hello, world"), .binary([1, 2, 3])])
    }

    @Test(arguments: allSplits.indices)
    func utf8CharacterSplitAcrossFragmentsIsAccepted(_ splitIndex: Int) {
        let euro = Array("€".utf8)  // E2 82 AC
        let input = clientFrame(0x1, [euro[0]], fin: false) + cont([euro[1]], fin: false) + cont([euro[2]])
        let out = decode(input, split: allSplits[splitIndex])
        #expect(out.error == nil)
        #expect(out.events == [.text("€")])
    }

    @Test func invalidUTF8FailsWith1007EvenInAnUnfinishedMessage() {
        // Fail fast: the bad byte is in the first fragment; the message never finishes.
        let out = decode(clientFrame(0x1, [0x61, 0xC0, 0xAF], fin: false))
        #expect(out.error == .invalidUTF8)
        #expect(out.error?.closeCode == .invalidPayloadData)
        // A message ending mid-character is invalid too.
        let truncated = decode(clientFrame(0x1, [0xE2, 0x82]))
        #expect(truncated.error == .invalidUTF8)
        // Surrogates encoded in UTF-8 are invalid.
        #expect(decode(clientFrame(0x1, [0xED, 0xA0, 0x80])).error == .invalidUTF8)
        // Binary messages are not checked.
        #expect(decode(clientFrame(0x2, [0xC0, 0xAF])).error == nil)
    }

    @Test func unmaskedClientFrameIs1002() {
        #expect(decode(clientFrame(0x1, Array("x".utf8), mask: nil)).error == .unmaskedClientFrame)
        #expect(WebSocketError.unmaskedClientFrame.closeCode == .protocolError)
    }

    @Test func maskedServerFrameIs1002ForAClient() {
        #expect(decode(clientFrame(0x1, Array("x".utf8)), role: .client).error == .maskedServerFrame)
        #expect(WebSocketError.maskedServerFrame.closeCode == .protocolError)
        #expect(decode(clientFrame(0x1, Array("x".utf8), mask: nil), role: .client).events == [.text("x")])
    }

    @Test(arguments: [1, 2, 4, 7] as [UInt8])
    func reservedBitsAre1002(_ rsv: UInt8) {
        #expect(decode(clientFrame(0x1, [0x61], rsv: rsv)).error == .reservedBitsSet)
        #expect(WebSocketError.reservedBitsSet.closeCode == .protocolError)
    }

    @Test(arguments: [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func reservedOpcodesAre1002(_ opcode: UInt8) {
        #expect(decode(clientFrame(opcode, [])).error == .reservedOpcode(opcode))
        #expect(WebSocketError.reservedOpcode(opcode).closeCode == .protocolError)
    }

    @Test func controlFrameRules() {
        #expect(decode(clientFrame(0x9, [UInt8](repeating: 0, count: 126))).error == .controlFrameTooLong)
        #expect(decode(clientFrame(0x9, [UInt8](repeating: 0, count: 125))).events.count == 1)
        #expect(decode(clientFrame(0x9, [], fin: false)).error == .fragmentedControlFrame)
        #expect(decode(clientFrame(0x8, [0x03, 0xE8], fin: false)).error == .fragmentedControlFrame)
        #expect(decode(clientFrame(0xA, [1], fin: false)).error == .fragmentedControlFrame)
        for e in [WebSocketError.controlFrameTooLong, .fragmentedControlFrame] { #expect(e.closeCode == .protocolError) }
    }

    @Test func continuationRules() {
        #expect(decode(cont(Array("x".utf8))).error == .unexpectedContinuation)
        #expect(decode(text("a") + cont(Array("x".utf8))).error == .unexpectedContinuation, "a finished message cannot be continued")
        #expect(decode(text("a", fin: false) + text("b")).error == .expectedContinuation)
        #expect(decode(text("a", fin: false) + clientFrame(0x2, [1])).error == .expectedContinuation)
        for e in [WebSocketError.unexpectedContinuation, .expectedContinuation] { #expect(e.closeCode == .protocolError) }
    }

    @Test func frameSizeLimitIsCheckedFromTheHeaderAlone() {
        let limits = WebSocketLimits(maxFrameSize: 100, maxMessageSize: 1000)
        // Only the header of a 101-byte frame: refused before any payload arrives.
        let header = Array(clientFrame(0x2, [UInt8](repeating: 0, count: 101)).prefix(6))
        #expect(decode(header, limits: limits).error == .frameTooBig(100))
        // A 64-bit length claiming petabytes is refused at once too.
        var huge: [UInt8] = [0x82, 0xFF]
        huge += [0, 4, 0, 0, 0, 0, 0, 0] + [1, 2, 3, 4]
        #expect(decode(huge, limits: limits).error == .frameTooBig(100))
        #expect(WebSocketError.frameTooBig(100).closeCode == .messageTooBig)
        #expect(decode(clientFrame(0x2, [UInt8](repeating: 0, count: 100)), limits: limits).error == nil)
    }

    @Test func messageSizeLimitCountsTheRunningTotalOfFragments() {
        let limits = WebSocketLimits(maxFrameSize: 100, maxMessageSize: 250)
        let chunk = [UInt8](repeating: 0x61, count: 100)
        let ok = clientFrame(0x1, chunk, fin: false) + cont(chunk, fin: false) + cont(Array(chunk.prefix(50)))
        #expect(decode(ok, limits: limits).events.count == 1)
        let tooBig = clientFrame(0x1, chunk, fin: false) + cont(chunk, fin: false) + cont(Array(chunk.prefix(51)), fin: false)
        let out = decode(Array(tooBig.prefix(tooBig.count - 51)), limits: limits)  // third header without its payload
        #expect(out.error == .messageTooBig(250))
        #expect(WebSocketError.messageTooBig(250).closeCode == .messageTooBig)
    }

    @Test func mostSignificantBitOfA64BitLengthIs1002() {
        let frame: [UInt8] = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
        #expect(decode(frame).error == .invalidLength)
        #expect(WebSocketError.invalidLength.closeCode == .protocolError)
    }

    @Test func closeFrameValidation() {
        #expect(decode(clientFrame(0x8, [])).events == [.close(nil, "")])
        #expect(decode(clientFrame(0x8, [0x03])).error == .invalidClosePayload)
        #expect(WebSocketError.invalidClosePayload.closeCode == .protocolError)
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            #expect(decode(clientFrame(0x8, [UInt8(code >> 8), UInt8(code & 0xFF)])).error == .invalidCloseCode(code), "code \(code)")
        }
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999] {
            #expect(decode(clientFrame(0x8, [UInt8(code >> 8), UInt8(code & 0xFF)])).events == [.close(code, "")], "code \(code)")
        }
        #expect(decode(clientFrame(0x8, [0x03, 0xE8, 0xC0, 0xAF])).error == .invalidCloseReason)
        #expect(WebSocketError.invalidCloseReason.closeCode == .invalidPayloadData)
        #expect(WebSocketError.invalidCloseCode(999).closeCode == .protocolError)
    }

    @Test func inputAfterACloseFrameIsIgnored() {
        let out = decode(clientFrame(0x8, [0x03, 0xE8]) + text("late") + [0xFF, 0xFF])
        #expect(out.error == nil)
        #expect(out.events == [.close(1000, "")])
    }

    @Test func decoderStaysFailed() {
        var decoder = WebSocketDecoder(role: .server)
        var bad = clientFrame(0x3, [])
        #expect(throws: WebSocketError.self) { try bad.withUnsafeMutableBytes { try decoder.decode($0) { _ in } } }
        var good = text("x")
        #expect(throws: WebSocketError.self) { try good.withUnsafeMutableBytes { try decoder.decode($0) { _ in } } }
    }

    @Test func anIdleDecoderCarriesNoStateBetweenReads() throws {
        // Every joined connection holds a decoder: between messages it is a few bytes.
        #expect(MemoryLayout<WebSocketDecoder>.size <= 24)
        var decoder = WebSocketDecoder(role: .server)
        var seen: [String] = []
        func feed(_ bytes: [UInt8]) throws {
            var b = bytes
            try b.withUnsafeMutableBytes { buf in
                try decoder.decode(buf) { if case .text(let p) = $0 { seen.append(String(decoding: p, as: UTF8.self)) } }
            }
        }
        try feed(text("whole"))
        #expect(!decoder.holdsPartialState, "a whole frame in one read leaves nothing behind")
        let split = text("split across reads")
        try feed(Array(split.prefix(5)))
        #expect(decoder.holdsPartialState)
        try feed(Array(split.dropFirst(5)))
        #expect(!decoder.holdsPartialState, "the state goes once the message is done")
        try feed(text("frag", fin: false))
        #expect(decoder.holdsPartialState, "a fragmented message in progress is kept")
        try feed(cont(Array("ment".utf8)))
        #expect(!decoder.holdsPartialState)
        #expect(seen == ["whole", "split across reads", "fragment"])
    }

    @Test(arguments: 0..<11)
    func unmaskHandlesEveryOffsetAndLength(_ offset: Int) {
        let key: UInt32 = 0xDEAD_BEEF
        let keyBytes = withUnsafeBytes(of: key) { Array($0) }
        for length in 0..<20 {
            let original = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
            var buf = original
            buf.withUnsafeMutableBytes { WebSocketDecoder.unmask($0, key: key, offset: offset) }
            let expected = original.enumerated().map { $0.element ^ keyBytes[($0.offset + offset) % 4] }
            #expect(buf == expected)
        }
    }
}
