import Testing
@testable import WebSocketCore

@Suite struct UTF8ValidatorTests {
    static let valid: [[UInt8]] = [
        [], Array("plain ascii that is longer than eight bytes".utf8), Array("κόσμε".utf8), [0xF0, 0x90, 0x80, 0x80],
        [0xF4, 0x8F, 0xBF, 0xBF], [0xEF, 0xBF, 0xBF], [0xE0, 0xA0, 0x80], [0xC2, 0x80], [0x7F],
    ]
    static let invalid: [[UInt8]] = [
        [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xC2], [0xE2, 0x82], [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xC0],
    ]

    @Test func acceptsValidAndRefusesInvalid() {
        for v in Self.valid { #expect(v.withUnsafeBytes { UTF8Validator.isValid($0) }, "\(v)") }
        for v in Self.invalid { #expect(!v.withUnsafeBytes { UTF8Validator.isValid($0) }, "\(v)") }
    }

    @Test func agreesWithTheStandardLibraryOnEveryTwoByteSequence() {
        for a in 0...255 {
            for b in 0...255 {
                let bytes: [UInt8] = [UInt8(a), UInt8(b)]
                let expected = String(validating: bytes, as: UTF8.self) != nil
                #expect(bytes.withUnsafeBytes { UTF8Validator.isValid($0) } == expected)
            }
        }
    }

    @Test func carriesStateAcrossFeeds() {
        var v = UTF8Validator()
        let bytes: [UInt8] = Array("a€b🎵".utf8)
        for b in bytes {
            #expect([b].withUnsafeBytes { v.feed($0) })
        }
        #expect(v.isComplete)
        var w = UTF8Validator()
        #expect(([0xE2] as [UInt8]).withUnsafeBytes { w.feed($0) })
        #expect(!w.isComplete)
    }
}
