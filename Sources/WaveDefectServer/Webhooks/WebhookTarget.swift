import EventLoop
import HTTPClient
import HTTPCore
import Logging

/// Delivery counters, per URL and summed over URLs (for /metrics).
public struct WebhookCounters: Sendable, Equatable {
    /// Events the receiver accepted (2xx).
    public var delivered = 0
    /// Events given up on: a permanent refusal (4xx other than 429, bad URL, TLS) or every
    /// attempt failed.
    public var failed = 0
    /// Events dropped unsent because the queue was full (oldest first).
    public var dropped = 0
    /// Attempts after the first.
    public var retries = 0
    /// Events waiting or in flight now.
    public var queued = 0

    public init() {}

    static func + (a: WebhookCounters, b: WebhookCounters) -> WebhookCounters {
        var s = a
        s.delivered += b.delivered
        s.failed += b.failed
        s.dropped += b.dropped
        s.retries += b.retries
        s.queued += b.queued
        return s
    }
}

/// One webhook URL: a FIFO queue with one request in flight, so a receiver sees events in
/// order. A failed attempt that may succeed later (connection error, timeout, 5xx, 429) is
/// retried after a backoff that doubles; meanwhile later events wait. The queue is bounded,
/// so a dead receiver costs memory up to `maxQueue` events and nothing else.
final class WebhookTarget {
    let url: String
    /// The URL without query or credentials, for logs and metrics.
    let displayURL: String
    private unowned let dispatcher: WebhookDispatcher
    private var queue: [WebhookPayload] = []
    private var head = 0
    /// The event being delivered (in flight or waiting for its retry) and its attempts so far.
    private var current: (payload: WebhookPayload, attempts: Int)?
    private var task: HTTPClientTask?
    private var retryTimer: LoopTimer?
    private var countersStorage = WebhookCounters()

    init(url: String, dispatcher: WebhookDispatcher) {
        self.url = url
        displayURL = HTTPClientRequest.redact(url)
        self.dispatcher = dispatcher
    }

    var counters: WebhookCounters {
        var c = countersStorage
        c.queued = waiting + (current == nil ? 0 : 1)
        return c
    }

    private var waiting: Int { queue.count - head }
    var isIdle: Bool { current == nil && waiting == 0 }
    private var settings: ServerConfiguration.WebhookSettings { dispatcher.settings }
    private var logger: Logger { dispatcher.logger }

    func enqueue(_ payload: WebhookPayload) {
        if waiting >= settings.maxQueue {
            let dropped = queue[head]
            head += 1
            countersStorage.dropped += 1
            // One line per burst, not one per event, while a receiver is down.
            if countersStorage.dropped % 100 == 1 {
                logger.warning("webhook queue full, dropping oldest events", metadata: [
                    "url": "\(displayURL)", "event": "\(dropped.event.rawValue)", "id": "\(dropped.id)",
                    "dropped_total": "\(countersStorage.dropped)", "max_queue": "\(settings.maxQueue)",
                ])
            }
        }
        queue.append(payload)
        pump()
    }

    private func pump() {
        guard current == nil, waiting > 0, !dispatcher.isClosed else { return }
        let next = queue[head]
        head += 1
        if head > 64 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        current = (next, 0)
        attempt()
    }

    private func attempt() {
        guard let payload = current?.payload, let attempts = current.map({ $0.attempts + 1 }) else { return }
        current?.attempts = attempts
        if attempts > 1 { countersStorage.retries += 1 }
        var request = HTTPClientRequest(
            method: "POST", url: url,
            headers: [
                ("Authorization", dispatcher.signer.authorization(for: payload, now: dispatcher.wallSeconds())),
                ("Content-Type", "application/webhook+json"),
                ("User-Agent", "WaveDefect-Webhooks"),
            ],
            body: payload.body, timeout: settings.timeout
        )
        // Receivers answer with a status; their bodies are not read.
        request.maxResponseBodyBytes = 64 * 1024
        task = dispatcher.client.perform(request) { [weak self] result in
            self?.finished(result)
        }
    }

    private func finished(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        task = nil
        guard let payload = current?.payload, let attempts = current?.attempts, !dispatcher.isClosed else { return }
        var metadata: Logger.Metadata = [
            "url": "\(displayURL)", "event": "\(payload.event.rawValue)", "id": "\(payload.id)", "attempt": "\(attempts)",
        ]
        let retryable: Bool
        var retryAfter: Double = 0
        switch result {
        case .success(let response) where response.isSuccess:
            countersStorage.delivered += 1
            metadata["status"] = "\(response.status)"
            logger.debug("webhook delivered", metadata: metadata)
            next()
            return
        case .success(let response):
            metadata["status"] = "\(response.status)"
            retryable = response.status == 429 || response.status >= 500
            retryAfter = response.header("Retry-After").flatMap(RetryAfter.seconds) ?? 0
        case .failure(let error):
            metadata["error"] = "\(error)"
            retryable = error.isTransient
        }
        if retryable && attempts < settings.maxAttempts && !dispatcher.isDraining {
            // The upstream clients' one rule (jittered, so the receivers of an outage are not
            // all retried in step), or a longer `Retry-After`; never past `maxBackoff`.
            let jittered = Backoff(base: settings.initialBackoff, max: Self.maxBackoff).delay(failures: attempts)
            let backoff = min(max(jittered, retryAfter), Self.maxBackoff)
            metadata["retry_in"] = "\(backoff)s"
            logger.info("webhook attempt failed, will retry", metadata: metadata)
            scheduleRetry(after: backoff)
        } else {
            countersStorage.failed += 1
            metadata["room"] = "\(payload.roomName)"
            logger.warning(retryable ? "webhook failed, giving up" : "webhook refused, dropped", metadata: metadata)
            next()
        }
    }

    /// Longest wait between two attempts, whatever the backoff or `Retry-After` say.
    static let maxBackoff = 60.0

    private func scheduleRetry(after seconds: Double) {
        if retryTimer == nil {
            retryTimer = LoopTimer(loop: dispatcher.client.loop) { [unowned self] in self.attempt() }
        }
        retryTimer?.start(afterMilliseconds: UInt64(max(0, seconds) * 1000))
    }

    private func next() {
        current = nil
        pump()
    }

    /// Shutdown: an event waiting for its retry gets its last attempt now.
    func drain() {
        guard let retryTimer, retryTimer.isActive else { return }
        retryTimer.stop()
        attempt()
    }

    /// Stops delivering; returns how many events were not delivered.
    func close() -> Int {
        let lost = waiting + (current == nil ? 0 : 1)
        retryTimer = nil
        task?.cancel()
        task = nil
        current = nil
        queue.removeAll()
        head = 0
        return lost
    }
}
