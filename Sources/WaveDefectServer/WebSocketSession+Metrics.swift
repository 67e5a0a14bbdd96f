import RoomCore
import WireJSON
import WireProtocol

/// A client's request for periodic `metrics` messages.
final class MetricsSubscription {
    let interval: UInt64
    var lastSentAt: UInt64 = 0

    init(interval: UInt64) {
        self.interval = interval
    }
}

extension WebSocketSession {
    func configureMetrics(enabled: Bool, intervalMilliseconds: Int?, now: UInt64) {
        guard enabled else {
            metrics = nil
            return
        }
        let ms = min(max(intervalMilliseconds ?? 2000, 500), 60_000)
        metrics = MetricsSubscription(interval: UInt64(ms) * 1_000_000)
        sendMetricsIfDue(now: now)
        server.connections.wake(self, at: now &+ UInt64(ms) * 1_000_000)
    }

    func sendMetricsIfDue(now: UInt64) {
        guard let m = metrics, now &- m.lastSentAt >= m.interval else { return }
        m.lastSentAt = now
        send(server.metricsMessage(for: self, now: now))
    }
}
