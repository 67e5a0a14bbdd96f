/// `Retry-After` as the upstream clients read it (RFC 9110 §10.2.3): delay-seconds only.
/// An HTTP-date, a sign, a fraction or garbage gives nil, so the caller falls back to its own
/// backoff. Spotify and Apple send delay-seconds; one reader serves both.
public enum RetryAfter {
    /// Seconds to wait, capped at 9 digits (about 31 years) so no value overflows.
    public static func seconds(_ value: String) -> Double? {
        let v = value.trimmingSpaces
        guard !v.isEmpty, v.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let seconds = Int(v.prefix(9)) else { return nil }
        return Double(seconds)
    }
}
