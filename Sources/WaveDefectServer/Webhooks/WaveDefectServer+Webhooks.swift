import EventLoop

extension WaveDefectServer {
    /// Creates the dispatcher when webhook URLs are configured and routes room events to it.
    func startWebhooks() throws {
        guard !configuration.webhooks.urls.isEmpty, webhooks == nil else { return }
        let dispatcher = try WebhookDispatcher(settings: configuration.webhooks, keys: configuration.effectiveKeys, client: httpClient, logger: logger)
        webhooks = dispatcher
        webhookSink = { [unowned dispatcher] event in dispatcher.send(event) }
    }

    /// Whether shutdown may finish as far as webhooks go: nothing left to deliver.
    var webhooksIdle: Bool { webhooks?.isIdle ?? true }

    /// Webhook delivery counters summed over URLs (nil when webhooks are off), for /metrics.
    public var webhookCounters: WebhookCounters? { webhooks?.counters }

    /// Per-URL webhook counters (URLs without query or credentials), for /metrics.
    public var webhookCountersByURL: [(url: String, counters: WebhookCounters)] { webhooks?.countersByURL ?? [] }
}
