/// Connection quality from round-trip time, with LiveKit's names. Thresholds are in
/// docs/protocol.md: excellent under 100 ms, good under 300 ms, poor above, lost when no
/// pong answered within two ping intervals.
public enum ConnectionQuality: String, Sendable {
    case excellent
    case good
    case poor
    case lost

    public static func from(rttNanoseconds: UInt64?, silentFor: UInt64, pingInterval: UInt64) -> ConnectionQuality {
        if silentFor >= 2 * pingInterval { return .lost }
        guard let rtt = rttNanoseconds else { return .good }
        if rtt < 100_000_000 { return .excellent }
        if rtt < 300_000_000 { return .good }
        return .poor
    }
}
