import CryptoPrimitives
import Testing

/// Published test vectors, value by value: FIPS 180 examples for SHA-1/SHA-256, RFC 4231 for
/// HMAC-SHA256 and RFC 4648 §10 for Base64.
@Suite struct DigestTests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        // RFC 6455's handshake example: the key plus the GUID.
        ("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11", "b37a4f2cc0624f1690f64606cf385945b2bec4ea"),
    ])
    func sha1(_ input: String, _ expected: String) {
        #expect(Self.hex(Digest.sha1(Array(input.utf8))) == expected)
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256(_ input: String, _ expected: String) {
        #expect(Self.hex(Digest.sha256(Array(input.utf8))) == expected)
    }

    @Test func sha256OfAMillionAs() {
        #expect(Self.hex(Digest.sha256([UInt8](repeating: 0x61, count: 1_000_000))) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(arguments: [
        // RFC 4231 test cases 1, 2, 3, 6 and 7.
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        ([UInt8](repeating: 0xaa, count: 131),
         Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ] as [([UInt8], [UInt8], String)])
    func hmacSHA256(_ key: [UInt8], _ data: [UInt8], _ expected: String) {
        let mac = Digest.hmacSHA256(key: key, data: data)
        #expect(mac.count == 32)
        #expect(Self.hex(mac) == expected)
    }

    @Test func hmacWithAnEmptyKeyAndMessage() {
        #expect(Self.hex(Digest.hmacSHA256(key: [UInt8](), data: [UInt8]())) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func constantTimeEqual() {
        #expect(Digest.constantTimeEqual([], []))
        #expect(Digest.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!Digest.constantTimeEqual([1, 2, 3], [1, 2, 4]), "last byte differs")
        #expect(!Digest.constantTimeEqual([0, 2, 3], [1, 2, 3]), "first byte differs")
        #expect(!Digest.constantTimeEqual([1, 2, 3], [1, 2]), "a prefix is not equal")
        #expect(!Digest.constantTimeEqual([], [0]))
    }

    @Test func randomBytesHaveTheAskedLengthAndDiffer() {
        #expect(Digest.randomBytes(0).isEmpty)
        let a = Digest.randomBytes(32)
        let b = Digest.randomBytes(32)
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b, "two 256-bit draws are equal with probability 2^-256")
        // 4096 bytes cover every value of a byte with overwhelming probability, so a generator
        // stuck on a constant or a short cycle fails.
        #expect(Set(Digest.randomBytes(4096)).count > 200)
    }
}

@Suite struct Base64Tests {
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648Vectors(_ plain: String, _ encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
        // URL-safe defaults to no padding (JWT segments); padding can be asked for.
        let unpadded = String(encoded.prefix { $0 != "=" })
        #expect(Base64.encode(Array(plain.utf8), urlSafe: true) == unpadded)
        #expect(Base64.encode(Array(plain.utf8), urlSafe: true, padding: true) == encoded)
        #expect(Base64.encode(Array(plain.utf8), padding: false) == unpadded)
        #expect(Base64.decode(unpadded) == Array(plain.utf8), "padding is optional when decoding")
    }

    @Test func theTwoAlphabetsDifferOnlyIn62And63() {
        let bytes: [UInt8] = [0xfb, 0xef, 0xff]
        #expect(Base64.encode(bytes) == "++//")
        #expect(Base64.encode(bytes, urlSafe: true) == "--__")
        #expect(Base64.decode("++//") == bytes)
        #expect(Base64.decode("--__") == bytes)
        #expect(Base64.decode("+-/_") == bytes, "either alphabet, even mixed")
    }

    @Test func everyByteValueRoundTrips() {
        let all = (0...255).map { UInt8($0) }
        for n in 0...all.count {
            let bytes = Array(all.prefix(n))
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
            #expect(Base64.decode(Base64.encode(bytes, urlSafe: true)) == bytes)
        }
    }

    @Test(arguments: [
        "Z",        // one character cannot carry a byte
        "Zm9vY",    // 5 characters: same
        "Zg=",      // padding that does not complete the quantum
        "Zg===",    // too much padding
        "Zg==Zg",   // data after padding
        "=Zg=",     // padding first
        "Zm9v!",    // not in either alphabet
        "Zm 9v",    // whitespace is not skipped
        "Zm9v\n",
    ])
    func malformedInputIsRefused(_ text: String) {
        #expect(Base64.decode(text) == nil, "\(text.debugDescription)")
    }

    @Test func decodingASubstringWorks() {
        let token = "xx.Zm9vYmFy.yy"
        let middle = token.split(separator: ".")[1]
        #expect(Base64.decode(middle) == Array("foobar".utf8))
    }
}
