import COpenSSL

/// The digests and MACs the server needs, computed by OpenSSL's libcrypto.
public enum Digest {
    public static func sha1<C: DigestInput>(_ data: C) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        data.withUnsafeBytes { input in
            _ = SHA1(input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count, &out)
        }
        return out
    }

    public static func sha256<C: DigestInput>(_ data: C) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        data.withUnsafeBytes { input in
            _ = SHA256(input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count, &out)
        }
        return out
    }

    public static func hmacSHA256<K: DigestInput, D: DigestInput>(key: K, data: D) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress?.assumingMemoryBound(to: UInt8.self), d.count, &out, &length)
            }
        }
        return Array(out.prefix(Int(length)))
    }

    /// Compares in time independent of where the inputs differ, so a forged signature's
    /// prefix cannot be guessed byte by byte from response timing.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }

    /// Cryptographically secure random bytes (session ids, resume tokens, mask keys).
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        if RAND_bytes(&out, Int32(count)) != 1 {
            var g = SystemRandomNumberGenerator()
            for i in 0..<count { out[i] = UInt8.random(in: 0...255, using: &g) }
        }
        return out
    }
}
