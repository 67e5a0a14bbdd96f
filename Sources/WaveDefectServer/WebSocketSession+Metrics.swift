import RoomCore
import WireJSON
import WireProtocol

extension WebSocketSession {
    func configureMetrics(enabled: Bool, intervalMilliseconds: Int?, now: UInt64) {
        guard enabled else {
            metricsInterval = nil
            return
        }
        let ms = min(max(intervalMilliseconds ?? 2000, 500), 60_000)
        metricsInterval = UInt64(ms) * 1_000_000
        lastMetricsAt = 0
        sendMetricsIfDue(now: now)
    }

    func sendMetricsIfDue(now: UInt64) {
        guard let interval = metricsInterval, now &- lastMetricsAt >= interval else { return }
        lastMetricsAt = now
        send(server.metricsMessage(for: self, now: now))
    }
}
