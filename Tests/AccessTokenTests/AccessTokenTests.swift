import CryptoPrimitives
import HTTPCore
import Testing
import WireJSON
@testable import AccessToken

@Suite struct AccessTokenTests {
    let verifier = AccessTokenVerifier(keys: ["devkey": "secret", "other": "another-secret"], leewaySeconds: 10)
    let now: Int64 = 1_800_000_000

    func claims(exp: Int64? = nil, nbf: Int64? = nil, video: VideoGrant? = VideoGrant(room: "lab", roomJoin: true)) -> AccessTokenClaims {
        AccessTokenClaims(issuer: "devkey", identity: "alice", expiresAt: exp ?? now + 600, notBefore: nbf, name: "Alice", video: video)
    }

    /// Minted by LiveKit's Python SDK (livekit-api 1.2.2) with key devkey / secret `secret`:
    /// `AccessToken('devkey','secret').with_identity('alice')…with_grants(VideoGrants(room_join=True,
    /// room='wave-defect-lab', can_publish_data=False, can_update_own_metadata=True))`.
    static let liveKitToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYW1lIjoiQWxpY2UiLCJtZXRhZGF0YSI6IntcImNvbG9yXCI6XCJyZWRcIn0iLCJ2aWRlbyI6eyJyb29tSm9pbiI6dHJ1ZSwicm9vbSI6IndhdmUtZGVmZWN0LWxhYiIsImNhblB1Ymxpc2giOnRydWUsImNhblN1YnNjcmliZSI6dHJ1ZSwiY2FuUHVibGlzaERhdGEiOmZhbHNlLCJjYW5VcGRhdGVPd25NZXRhZGF0YSI6dHJ1ZX0sImF0dHJpYnV0ZXMiOnsicm9sZSI6Imhvc3QifSwic3ViIjoiYWxpY2UiLCJpc3MiOiJkZXZrZXkiLCJuYmYiOjE3OTUzMDcwNzQsImV4cCI6MTc5NTMxMDY3NH0.dVEPdpwvRZ_Wu0p581FtbZgHcHOObk_m-tfqGnwVj7A"

    @Test func acceptsATokenMintedByLiveKitsSDK() throws {
        let c = try verifier.verifyJoin(Self.liveKitToken, now: 1_795_307_100)
        #expect(c.identity == "alice")
        #expect(c.name == "Alice")
        #expect(c.metadata == #"{"color":"red"}"#)
        #expect(c.attributes == ["role": "host"])
        #expect(c.grant.room == "wave-defect-lab")
        #expect(c.grant.mayPublishData == false)
        #expect(c.grant.mayUpdateOwnMetadata == true)
        #expect(c.grant.mayPublish == true)
    }

    @Test func roundTripsOwnTokens() throws {
        let token = AccessTokenMinter.mint(claims(), secret: "secret")
        let c = try verifier.verifyJoin(token, now: now)
        #expect(c == claims())
    }

    @Test func expiredAndNotYetValidWithLeeway() throws {
        let expired = AccessTokenMinter.mint(claims(exp: now - 11), secret: "secret")
        #expect(throws: AccessTokenError.expired) { try verifier.verify(expired, now: now) }
        let withinLeeway = AccessTokenMinter.mint(claims(exp: now - 9), secret: "secret")
        _ = try verifier.verify(withinLeeway, now: now)
        let future = AccessTokenMinter.mint(claims(nbf: now + 11), secret: "secret")
        #expect(throws: AccessTokenError.notYetValid) { try verifier.verify(future, now: now) }
        _ = try verifier.verify(AccessTokenMinter.mint(claims(nbf: now + 9), secret: "secret"), now: now)
    }

    @Test func wrongSecretUnknownKeyAndTampering() {
        let wrong = AccessTokenMinter.mint(claims(), secret: "not-the-secret")
        #expect(throws: AccessTokenError.badSignature) { try verifier.verify(wrong, now: now) }
        var unknown = claims()
        unknown.issuer = "stranger"
        #expect(throws: AccessTokenError.unknownKey) { try verifier.verify(AccessTokenMinter.mint(unknown, secret: "secret"), now: now) }
        // Swap the payload for one granting more, keeping the original signature.
        let good = AccessTokenMinter.mint(claims(), secret: "secret").split(separator: ".")
        var admin = claims()
        admin.video?.roomAdmin = true
        let forged = AccessTokenMinter.mint(admin, secret: "guess").split(separator: ".")
        let tampered = "\(good[0]).\(forged[1]).\(good[2])"
        #expect(throws: AccessTokenError.badSignature) { try verifier.verify(tampered, now: now) }
        // Flip one signature character.
        var sig = Array(good[2])
        sig[5] = sig[5] == "A" ? "B" : "A"
        #expect(throws: AccessTokenError.badSignature) { try verifier.verify("\(good[0]).\(good[1]).\(String(sig))", now: now) }
    }

    @Test(arguments: ["none", "None", "HS512", "RS256", "ES256", "hs256"])
    func refusesEveryAlgorithmButHS256(_ alg: String) {
        let header = Base64.encode(Array(#"{"alg":"\#(alg)","typ":"JWT"}"#.utf8), urlSafe: true)
        let payload = AccessTokenMinter.mint(claims(), secret: "secret").split(separator: ".")[1]
        // An alg:none token carries an empty signature.
        #expect(throws: AccessTokenError.unsupportedAlgorithm(alg)) { try verifier.verify("\(header).\(payload).", now: now) }
        let signed = "\(header).\(payload)"
        let sig = Base64.encode(Digest.hmacSHA256(key: Array("secret".utf8), data: Array(signed.utf8)), urlSafe: true)
        #expect(throws: AccessTokenError.unsupportedAlgorithm(alg)) { try verifier.verify("\(signed).\(sig)", now: now) }
    }

    /// RFC 7515 §4.1.11 (issue 12: a token with an unknown `crit` was accepted).
    @Test func aCriticalHeaderExtensionIsRefused() {
        let header = Base64.encode(Array(#"{"alg":"HS256","typ":"JWT","crit":["exp2"],"exp2":1}"#.utf8), urlSafe: true)
        let payload = AccessTokenMinter.mint(claims(), secret: "secret").split(separator: ".")[1]
        let signed = "\(header).\(payload)"
        let sig = Base64.encode(Digest.hmacSHA256(key: Array("secret".utf8), data: Array(signed.utf8)), urlSafe: true)
        #expect(throws: AccessTokenError.malformed("critical header extensions (crit) are not supported")) { try verifier.verify("\(signed).\(sig)", now: now) }
    }

    /// Issue 12: an identity with CR/LF/ESC wrote forged lines into the log.
    @Test(arguments: ["a\r\nforged", "\u{1B}[31mred", "tab\there", "del\u{7F}", "c1\u{85}"])
    func controlCharactersInIdentityOrNameAreRefusedAtJoin(_ text: String) {
        var c = claims()
        c.identity = text
        #expect(throws: AccessTokenError.malformed("identity contains control characters")) {
            try verifier.verifyJoin(AccessTokenMinter.mint(c, secret: "secret"), now: now)
        }
        c = claims()
        c.name = text
        #expect(throws: AccessTokenError.malformed("name contains control characters")) {
            try verifier.verifyJoin(AccessTokenMinter.mint(c, secret: "secret"), now: now)
        }
        c.name = "Zoë 🎧 ok"
        #expect(throws: Never.self) { try verifier.verifyJoin(AccessTokenMinter.mint(c, secret: "secret"), now: now) }
    }

    @Test(arguments: ["", "abc", "a.b", "a.b.c.d", "!!!.e30.sig", "e30.e30.sig"])
    func malformedTokensAre401(_ token: String) {
        do {
            _ = try verifier.verify(token, now: now)
            Issue.record("accepted \(token)")
        } catch {
            #expect(error.status.code == 401)
        }
    }

    @Test func missingExpiryIsRefused() {
        let header = Base64.encode(Array(#"{"alg":"HS256"}"#.utf8), urlSafe: true)
        let payload = Base64.encode(Array(#"{"iss":"devkey","sub":"a","video":{"roomJoin":true,"room":"r"}}"#.utf8), urlSafe: true)
        let signed = "\(header).\(payload)"
        let sig = Base64.encode(Digest.hmacSHA256(key: Array("secret".utf8), data: Array(signed.utf8)), urlSafe: true)
        #expect(throws: AccessTokenError.malformed("token has no expiry (exp)")) { try verifier.verify("\(signed).\(sig)", now: now) }
    }

    @Test(arguments: ["1e300", "9223372036854775807", "-1e300", "\"soon\""])
    func absurdTimesAreMalformedNotACrash(_ exp: String) {
        let header = Base64.encode(Array(#"{"alg":"HS256"}"#.utf8), urlSafe: true)
        let payload = Base64.encode(Array(#"{"iss":"devkey","sub":"a","exp":\#(exp)}"#.utf8), urlSafe: true)
        let signed = "\(header).\(payload)"
        let sig = Base64.encode(Digest.hmacSHA256(key: Array("secret".utf8), data: Array(signed.utf8)), urlSafe: true)
        #expect(throws: AccessTokenError.malformed("exp is not a valid time")) { try verifier.verify("\(signed).\(sig)", now: now) }
    }

    @Test func joinNeedsRoomJoinAndARoom() {
        let noJoin = AccessTokenMinter.mint(claims(video: VideoGrant(room: "lab", roomJoin: false)), secret: "secret")
        do {
            _ = try verifier.verifyJoin(noJoin, now: now)
            Issue.record("joined without roomJoin")
        } catch {
            #expect(error.status.code == 403)
        }
        let noVideo = AccessTokenMinter.mint(claims(video: nil), secret: "secret")
        #expect(throws: AccessTokenError.self) { try verifier.verifyJoin(noVideo, now: now) }
        let noRoom = AccessTokenMinter.mint(claims(video: VideoGrant(room: nil, roomJoin: true)), secret: "secret")
        #expect(throws: AccessTokenError.self) { try verifier.verifyJoin(noRoom, now: now) }
    }

    @Test func oversizedTokenIsRefusedUnparsed() {
        let v = AccessTokenVerifier(keys: ["devkey": "secret"], maxTokenBytes: 100)
        #expect(throws: AccessTokenError.self) { try v.verify(String(repeating: "a", count: 101), now: now) }
    }

    @Test func base64RoundTripsAndRefusesGarbage() {
        for n in 0..<20 {
            let bytes = (0..<n).map { UInt8($0 * 13 & 0xFF) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
            #expect(Base64.decode(Base64.encode(bytes, urlSafe: true)) == bytes)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.decode("Zm9v!") == nil)
        #expect(Base64.decode("Z") == nil)
        #expect(Base64.decode("Zm=8") == nil)
    }
}

/// Who joins as an agent, value by value: the participant kind or the `agent` grant.
@Suite struct AgentClaimTests {
    @Test(arguments: [
        ("agent", false, true), ("agent", true, true), (nil, true, true), ("standard", true, true),
        (nil, false, false), ("standard", false, false), ("Agent", false, false), ("", false, false),
    ] as [(String?, Bool, Bool)])
    func isAgent(_ kind: String?, _ agentGrant: Bool, _ expected: Bool) {
        var grant = VideoGrant(room: "lab", roomJoin: true)
        grant.agent = agentGrant
        let claims = AccessTokenClaims(issuer: "k", identity: "i", expiresAt: 1, kind: kind, video: grant)
        #expect(claims.isAgent == expected)
    }

    @Test func noGrantAndNoKindIsNotAnAgent() {
        #expect(!AccessTokenClaims(issuer: "k", identity: "i", expiresAt: 1).isAgent)
    }
}
