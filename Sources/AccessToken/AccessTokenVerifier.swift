import CryptoPrimitives
import WireJSON

/// Verifies LiveKit-format access tokens: signature first (HS256 only, the key chosen by
/// `iss`), then `exp`/`nbf` with a small leeway. Pure: the time is passed in.
public struct AccessTokenVerifier: Sendable {
    /// API key → secret.
    public var keys: [String: String]
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    public var leewaySeconds: Int64
    /// Longest token accepted; longer ones are refused before any parsing.
    public var maxTokenBytes: Int

    public init(keys: [String: String], leewaySeconds: Int64 = 60, maxTokenBytes: Int = 16 * 1024) {
        self.keys = keys
        self.leewaySeconds = leewaySeconds
        self.maxTokenBytes = maxTokenBytes
    }

    public func verify(_ token: String, now: Int64) throws(AccessTokenError) -> AccessTokenClaims {
        guard !token.isEmpty else { throw .missing }
        guard token.utf8.count <= maxTokenBytes else { throw .malformed("longer than \(maxTokenBytes) bytes") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("expected three dot-separated parts") }
        guard let headerBytes = Base64.decode(parts[0]), let header = try? JSONParser.parse(headerBytes).objectValue else {
            throw .malformed("header is not base64url JSON")
        }
        guard let alg = header["alg"]?.stringValue else { throw .malformed("header has no alg") }
        // Exactly HS256: `none`, RS256 and friends are refused before anything else is trusted.
        guard alg == "HS256" else { throw .unsupportedAlgorithm(alg) }
        // RFC 7515 §4.1.11: extensions named in `crit` must be understood; we know none.
        if header["crit"] != nil { throw .malformed("critical header extensions (crit) are not supported") }
        guard let payloadBytes = Base64.decode(parts[1]), let payload = try? JSONParser.parse(payloadBytes).objectValue else {
            throw .malformed("payload is not base64url JSON")
        }
        guard let signature = Base64.decode(parts[2]) else { throw .malformed("signature is not base64url") }
        guard let issuer = payload["iss"]?.stringValue else { throw .malformed("token has no issuer (iss)") }
        guard let secret = keys[issuer] else { throw .unknownKey }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let expected = Digest.hmacSHA256(key: Array(secret.utf8), data: signingInput)
        guard Digest.constantTimeEqual(expected, signature) else { throw .badSignature }

        let claims = try AccessTokenClaims(json: payload)
        if now > claims.expiresAt + leewaySeconds { throw .expired }
        if let nbf = claims.notBefore, now + leewaySeconds < nbf { throw .notYetValid }
        return claims
    }

    /// Checks a token for joining a room over `/rtc`: identity and `roomJoin` with a room.
    public func verifyJoin(_ token: String, now: Int64) throws(AccessTokenError) -> AccessTokenClaims {
        let claims = try verify(token, now: now)
        guard !claims.identity.isEmpty else { throw .malformed("token has no identity (sub)") }
        guard let video = claims.video, video.roomJoin else { throw .missingGrant("token does not grant roomJoin") }
        guard let room = video.room, !room.isEmpty else { throw .missingGrant("token grants no room") }
        // Identities and names end up in logs, presence and other clients' screens.
        if Self.hasControlCharacters(claims.identity) { throw .malformed("identity contains control characters") }
        if let name = claims.name, Self.hasControlCharacters(name) { throw .malformed("name contains control characters") }
        return claims
    }

    /// C0 controls (CR, LF, ESC, …), DEL and C1 controls: what can forge a log line or drive
    /// a terminal.
    public static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }
}

/// Mints tokens (the `token` command, dev-mode joins from the web page, tests).
public enum AccessTokenMinter {
    public static func mint(_ claims: AccessTokenClaims, secret: String) -> String {
        let header = Base64.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8), urlSafe: true)
        let payload = Base64.encode(claims.json(), urlSafe: true)
        let signingInput = header + "." + payload
        let signature = Digest.hmacSHA256(key: Array(secret.utf8), data: Array(signingInput.utf8))
        return signingInput + "." + Base64.encode(signature, urlSafe: true)
    }
}
