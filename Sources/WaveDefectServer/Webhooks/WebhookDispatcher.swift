import EventLoop
import HTTPClient
import Logging
import RoomCore
import SystemClock

/// Sends room events to the configured URLs as LiveKit does: each event is encoded once,
/// signed with the webhook API key, and queued per URL; libcurl on the loop delivers them
/// (the server's one `CurlMulti`, shared with Spotify and the other upstreams), so a slow or
/// dead receiver never holds up a room or the loop.
final class WebhookDispatcher {
    let settings: ServerConfiguration.WebhookSettings
    let client: CurlMulti
    let signer: WebhookSigner
    let logger: Logger
    private(set) var targets: [WebhookTarget] = []
    /// Shutting down: no new backoff waits, pending retries go now.
    private(set) var isDraining = false
    private(set) var isClosed = false
    /// Unix seconds for `exp`/`nbf` (injectable for tests).
    var wallSeconds: () -> Int64 = { SystemClock.wallSeconds }

    /// `keys` are the server's API keys; the webhook key is `settings.apiKey` or the first
    /// key by name.
    init(settings: ServerConfiguration.WebhookSettings, keys: [String: String], client: CurlMulti, logger: Logger) throws {
        guard let apiKey = settings.apiKey ?? keys.keys.sorted().first, let secret = keys[apiKey] else {
            throw ConfigurationError("webhooks need an API key to sign with: configure keys (and webhooks.api_key)")
        }
        self.settings = settings
        self.logger = logger
        signer = WebhookSigner(apiKey: apiKey, secret: secret)
        self.client = client
        // Duplicates would deliver every event twice to the same receiver.
        var seen = Set<String>()
        for url in settings.urls where seen.insert(url).inserted {
            targets.append(WebhookTarget(url: url, dispatcher: self))
        }
        logger.info("webhooks enabled", metadata: [
            "urls": "\(targets.map(\.displayURL))", "api_key": "\(apiKey)", "max_attempts": "\(settings.maxAttempts)",
        ])
    }

    /// Queues `event` for every URL. Returns at once.
    func send(_ event: WebhookEvent) {
        guard !isClosed, !targets.isEmpty else { return }
        let payload = WebhookPayload(event)
        logger.trace("webhook queued", metadata: ["event": "\(payload.event.rawValue)", "id": "\(payload.id)", "room": "\(payload.roomName)"])
        for target in targets { target.enqueue(payload) }
    }

    /// Nothing waiting or in flight for any URL.
    var isIdle: Bool { targets.allSatisfy(\.isIdle) }

    /// Totals over every URL.
    var counters: WebhookCounters { targets.reduce(WebhookCounters()) { $0 + $1.counters } }

    /// Per-URL counters, URLs without query or credentials.
    var countersByURL: [(url: String, counters: WebhookCounters)] { targets.map { ($0.displayURL, $0.counters) } }

    /// Shutdown has begun: what is queued still goes out, but failures are not retried and
    /// events waiting for a retry get their last attempt now, so the queue empties quickly.
    func drain() {
        guard !isDraining, !isClosed else { return }
        isDraining = true
        for target in targets { target.drain() }
    }

    /// Stops for good: requests in flight are cancelled, queued events are lost (and logged).
    func close() {
        guard !isClosed else { return }
        isClosed = true
        var lost = 0
        // The client is the server's: only this dispatcher's requests are cancelled.
        for target in targets { lost += target.close() }
        let c = counters
        var metadata: Logger.Metadata = [
            "delivered": "\(c.delivered)", "failed": "\(c.failed)", "dropped": "\(c.dropped)", "retries": "\(c.retries)",
        ]
        if lost > 0 {
            metadata["undelivered"] = "\(lost)"
            logger.warning("webhooks stopped with events undelivered", metadata: metadata)
        } else {
            logger.info("webhooks stopped", metadata: metadata)
        }
    }
}
