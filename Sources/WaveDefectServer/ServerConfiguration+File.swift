import EventLoop
import Foundation

extension ServerConfiguration {
    static let fileFields: Set<String> = Set([
        "host", "port", "dev", "keys", "database", "demo_catalog", "rooms_dir", "web_root", "auto_create_rooms", "limits", "room_defaults", "webhooks",
        "http_client", "tls",
    ]).union(ExternalServiceSettings.fileFields).union(ITunesLookupSettings.fileFields)
        .union(YouTubeLookupSettings.fileFields).union(ClusterSettings.fileFields)
    static let limitFields: Set<String> = [
        "max_frame_bytes", "max_message_bytes", "max_request_line_bytes", "max_head_bytes", "max_header_count", "max_body_bytes",
        "header_timeout", "keepalive_timeout", "ping_interval", "idle_timeout", "close_timeout", "max_payload_bytes",
        "max_destinations", "max_buffered_bytes", "lossy_drop_bytes", "max_queued_output_bytes", "max_partial_message_bytes", "max_connections", "max_connections_per_ip", "handshakes_per_second_per_ip", "requests_per_second_per_ip", "token_leeway", "flush_interval_ms", "presence_deliveries_per_turn",
        "max_topics_per_room", "max_topics_per_participant", "max_replay_bytes_per_room", "max_name_bytes", "max_metadata_bytes", "max_attributes_bytes",
        "max_catalog_results", "max_search_query_bytes",
        "max_dispatches_per_room", "max_dispatch_pending_rooms",
    ]
    static let roomDefaultFields: Set<String> = [
        "empty_timeout", "departure_timeout", "max_participants", "replay_buffer", "presence_full_list_max", "participants_page_size",
    ]
    static let webhookFields: Set<String> = ["urls", "api_key", "max_attempts", "initial_backoff", "timeout", "max_queue"]
    static let httpClientFields: Set<String> = ["max_requests_per_host", "max_queued_per_host", "max_connections", "max_response_bytes"]

    /// Applies a YAML config file (docs/configuration in README) over the current values.
    public mutating func apply(configFile path: String) throws(ConfigurationError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError("\(path): cannot be read")
        }
        try apply(yaml: text, file: path)
    }

    public mutating func apply(yaml: String, file: String) throws(ConfigurationError) {
        guard let root = try ConfigNode.load(yaml: yaml, file: file) else { return }
        let m = try root.members(allowed: Self.fileFields)
        if let n = m["host"] { host = try n.string() }
        if let n = m["port"] { port = try n.int(min: 0) }
        if let n = m["dev"] { dev = try n.bool() }
        if let n = m["keys"] {
            for (key, secret) in try n.entries() { keys[key] = try secret.string() }
        }
        if let n = m["database"] { databasePath = try n.string() }
        if let n = m["demo_catalog"] { demoCatalog = try n.bool() }
        if let n = m["rooms_dir"] { roomsDirectory = try n.string() }
        if let n = m["web_root"] { webRoot = try n.string() }
        if let n = m["auto_create_rooms"] { autoCreateRooms = try n.bool() }
        try spotify.apply(m)
        try itunes.apply(m)
        try tls.apply(m)
        try youtube.apply(m)
        try cluster.apply(m)
        if let n = m["limits"] { try applyLimits(n.members(allowed: Self.limitFields)) }
        if let n = m["room_defaults"] {
            let r = try n.members(allowed: Self.roomDefaultFields)
            if let v = r["empty_timeout"] { roomDefaults.emptyTimeout = try v.seconds() }
            if let v = r["departure_timeout"] { roomDefaults.departureTimeout = try v.seconds() }
            if let v = r["max_participants"] { roomDefaults.maxParticipants = try v.int(min: 0) }
            if let v = r["replay_buffer"] { roomDefaults.replayBufferSize = try v.int(min: 0) }
            if let v = r["presence_full_list_max"] { roomDefaults.presenceFullListMax = try v.int(min: 0) }
            if let v = r["participants_page_size"] { roomDefaults.participantsPageSize = try v.int(min: 1) }
        }
        if let n = m["webhooks"] {
            let w = try n.members(allowed: Self.webhookFields)
            if let v = w["urls"] { webhooks.urls = try v.strings() }
            if let v = w["api_key"] { webhooks.apiKey = try v.string() }
            if let v = w["max_attempts"] { webhooks.maxAttempts = try v.int(min: 1) }
            if let v = w["initial_backoff"] { webhooks.initialBackoff = try v.seconds() }
            if let v = w["timeout"] { webhooks.timeout = try v.seconds() }
            if let v = w["max_queue"] { webhooks.maxQueue = try v.int(min: 1) }
        }
        if let n = m["http_client"] {
            let h = try n.members(allowed: Self.httpClientFields)
            if let v = h["max_requests_per_host"] { httpClient.maxRequestsPerHost = try v.int(min: 1) }
            if let v = h["max_queued_per_host"] { httpClient.maxQueuedPerHost = try v.int(min: 0) }
            if let v = h["max_connections"] { httpClient.maxConnections = try v.int(min: 1) }
            if let v = h["max_response_bytes"] { httpClient.maxResponseBytes = try v.int(min: 1024) }
        }
    }

    private mutating func applyLimits(_ l: [String: ConfigNode]) throws(ConfigurationError) {
        if let v = l["max_frame_bytes"] { limits.webSocket.maxFrameSize = try v.int(min: 126) }
        if let v = l["max_message_bytes"] { limits.webSocket.maxMessageSize = try v.int(min: 126) }
        if let v = l["max_request_line_bytes"] { limits.http.maxRequestLineBytes = try v.int(min: 64) }
        if let v = l["max_head_bytes"] { limits.http.maxHeadBytes = try v.int(min: 256) }
        if let v = l["max_header_count"] { limits.http.maxHeaderCount = try v.int(min: 1) }
        if let v = l["max_body_bytes"] { limits.http.maxBodyBytes = try v.int(min: 0) }
        if let v = l["header_timeout"] { limits.headerTimeout = try v.seconds() }
        if let v = l["keepalive_timeout"] { limits.keepAliveTimeout = try v.seconds() }
        if let v = l["ping_interval"] { limits.pingInterval = try v.seconds() }
        if let v = l["idle_timeout"] { limits.idleTimeout = try v.seconds() }
        if let v = l["close_timeout"] { limits.closeTimeout = try v.seconds() }
        if let v = l["max_payload_bytes"] { limits.data.maxPayloadBytes = try v.int(min: 0) }
        if let v = l["max_destinations"] { limits.data.maxDestinations = try v.int(min: 0) }
        if let v = l["max_buffered_bytes"] { limits.maxBufferedBytes = try v.int(min: 1024) }
        if let v = l["lossy_drop_bytes"] { limits.lossyDropBytes = try v.int(min: 0) }
        if let v = l["max_queued_output_bytes"] { limits.maxQueuedOutputBytes = try v.int(min: 1024) }
        if let v = l["max_partial_message_bytes"] { limits.maxPartialMessageBytes = try v.int(min: 0) }
        if let v = l["max_connections"] { limits.maxConnections = try v.int(min: 1) }
        if let v = l["max_connections_per_ip"] { limits.maxConnectionsPerIP = try v.int(min: 0) }
        if let v = l["handshakes_per_second_per_ip"] { limits.handshakesPerSecondPerIP = try v.seconds() }
        if let v = l["requests_per_second_per_ip"] { limits.requestsPerSecondPerIP = try v.seconds() }
        if let v = l["token_leeway"] { limits.tokenLeeway = try v.seconds() }
        if let v = l["flush_interval_ms"] { limits.flushIntervalMilliseconds = try v.seconds() }
        if let v = l["presence_deliveries_per_turn"] { limits.presenceDeliveriesPerTurn = try v.int(min: 1) }
        if let v = l["max_catalog_results"] { limits.maxCatalogResults = try v.int(min: 1) }
        if let v = l["max_search_query_bytes"] { limits.maxSearchQueryBytes = try v.int(min: 1) }
        if let v = l["max_topics_per_room"] { limits.data.maxTopicsPerRoom = try v.int(min: 1) }
        if let v = l["max_topics_per_participant"] { limits.data.maxTopicsPerParticipant = try v.int(min: 1) }
        if let v = l["max_replay_bytes_per_room"] { limits.data.maxReplayBytesPerRoom = try v.int(min: 0) }
        if let v = l["max_name_bytes"] { limits.data.participantInfo.maxNameBytes = try v.int(min: 1) }
        if let v = l["max_metadata_bytes"] { limits.data.participantInfo.maxMetadataBytes = try v.int(min: 0) }
        if let v = l["max_attributes_bytes"] { limits.data.participantInfo.maxAttributesBytes = try v.int(min: 0) }
        if let v = l["max_dispatches_per_room"] { limits.maxDispatchesPerRoom = try v.int(min: 0) }
        if let v = l["max_dispatch_pending_rooms"] { limits.maxDispatchPendingRooms = try v.int(min: 0) }
    }

    /// Longest room timeout accepted (LiveKit's fields are 32-bit seconds).
    static let maxRoomSeconds = Double(UInt32.max)

    /// Parses `WAVEDEFECT_KEYS`: `key: secret` pairs separated by commas or newlines.
    public static func parseKeys(_ text: String) throws(ConfigurationError) -> [String: String] {
        var keys: [String: String] = [:]
        for entry in text.split(whereSeparator: { $0 == "," || $0 == "\n" }) {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { throw ConfigurationError("WAVEDEFECT_KEYS: expected 'key: secret', got '\(trimmed.prefix(20))…'") }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            let secret = parts[1].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, !secret.isEmpty else { throw ConfigurationError("WAVEDEFECT_KEYS: empty key or secret") }
            keys[key] = secret
        }
        return keys
    }

    /// Refuses settings that cannot work: out-of-range values (from the file or from flags
    /// alike) and combinations that contradict each other.
    public func validate() throws(ConfigurationError) {
        guard (0...65535).contains(port) else { throw ConfigurationError("port \(port) is not in 0...65535") }
        let durations: [(String, Double, ClosedRange<Double>)] = [
            ("limits.header_timeout", limits.headerTimeout, 0.1...3600),
            ("limits.keepalive_timeout", limits.keepAliveTimeout, 0.1...86400),
            ("limits.ping_interval", limits.pingInterval, 0.1...3600),
            ("limits.idle_timeout", limits.idleTimeout, 0.1...86400),
            ("limits.close_timeout", limits.closeTimeout, 0...3600),
            ("limits.token_leeway", limits.tokenLeeway, 0...86400),
            ("limits.flush_interval_ms", limits.flushIntervalMilliseconds, 0...10000),
            ("room_defaults.empty_timeout", roomDefaults.emptyTimeout, 0...Self.maxRoomSeconds),
            ("room_defaults.departure_timeout", roomDefaults.departureTimeout, 0...Self.maxRoomSeconds),
            ("webhooks.initial_backoff", webhooks.initialBackoff, 0...3600),
            ("webhooks.timeout", webhooks.timeout, 0.1...3600),
        ]
        for (name, value, range) in durations where !(value.isFinite && range.contains(value)) {
            throw ConfigurationError("\(name): \(value) is not in \(range.lowerBound)...\(range.upperBound)")
        }
        let sizes: [(String, Int, ClosedRange<Int>)] = [
            ("http_client.max_requests_per_host", httpClient.maxRequestsPerHost, 1...10_000),
            ("http_client.max_queued_per_host", httpClient.maxQueuedPerHost, 0...1_000_000),
            ("http_client.max_connections", httpClient.maxConnections, 1...100_000),
            ("http_client.max_response_bytes", httpClient.maxResponseBytes, 1024...(1 << 30)),
            ("limits.max_frame_bytes", limits.webSocket.maxFrameSize, 126...(1 << 30)),
            ("limits.max_message_bytes", limits.webSocket.maxMessageSize, 126...(1 << 30)),
            ("limits.max_request_line_bytes", limits.http.maxRequestLineBytes, 64...(1 << 20)),
            ("limits.max_head_bytes", limits.http.maxHeadBytes, 256...(1 << 24)),
            ("limits.max_header_count", limits.http.maxHeaderCount, 1...100_000),
            ("limits.max_body_bytes", limits.http.maxBodyBytes, 0...(1 << 30)),
            ("limits.max_payload_bytes", limits.data.maxPayloadBytes, 0...(1 << 30)),
            ("limits.max_destinations", limits.data.maxDestinations, 0...100_000),
            ("limits.max_topics_per_room", limits.data.maxTopicsPerRoom, 1...100_000),
            ("limits.max_topics_per_participant", limits.data.maxTopicsPerParticipant, 1...65_535),
            ("limits.max_replay_bytes_per_room", limits.data.maxReplayBytesPerRoom, 0...(1 << 34)),
            ("limits.max_name_bytes", limits.data.participantInfo.maxNameBytes, 1...(1 << 20)),
            ("limits.max_metadata_bytes", limits.data.participantInfo.maxMetadataBytes, 0...(1 << 24)),
            ("limits.max_attributes_bytes", limits.data.participantInfo.maxAttributesBytes, 0...(1 << 24)),
            ("limits.max_buffered_bytes", limits.maxBufferedBytes, 1024...(1 << 34)),
            ("limits.lossy_drop_bytes", limits.lossyDropBytes, 0...(1 << 34)),
            ("limits.max_queued_output_bytes", limits.maxQueuedOutputBytes, 1024...(1 << 40)),
            ("limits.max_partial_message_bytes", limits.maxPartialMessageBytes, 0...(1 << 40)),
            ("limits.max_connections", limits.maxConnections, 1...10_000_000),
            ("limits.max_connections_per_ip", limits.maxConnectionsPerIP ?? 0, 0...10_000_000),
            ("limits.max_dispatches_per_room", limits.maxDispatchesPerRoom, 0...100_000),
            ("limits.max_dispatch_pending_rooms", limits.maxDispatchPendingRooms, 0...10_000_000),
            ("limits.presence_deliveries_per_turn", limits.presenceDeliveriesPerTurn, 1...10_000_000),
            ("room_defaults.max_participants", roomDefaults.maxParticipants, 0...10_000_000),
            ("room_defaults.replay_buffer", roomDefaults.replayBufferSize, 0...10_000_000),
            ("room_defaults.presence_full_list_max", roomDefaults.presenceFullListMax, 0...10_000_000),
            ("room_defaults.participants_page_size", roomDefaults.participantsPageSize, 1...10_000),
        ]
        for (name, value, range) in sizes where !range.contains(value) {
            throw ConfigurationError("\(name): \(value) is not in \(range.lowerBound)...\(range.upperBound)")
        }
        if dev && !SocketAddress.isLoopback(host) {
            throw ConfigurationError("--dev uses a publicly known secret and only listens on loopback; '\(host)' is not a loopback address")
        }
        if effectiveKeys.isEmpty {
            throw ConfigurationError("no API keys: pass --dev, set WAVEDEFECT_KEYS ('key: secret'), or add 'keys' to the config file")
        }
        if limits.webSocket.maxFrameSize > limits.webSocket.maxMessageSize {
            throw ConfigurationError("limits: max_frame_bytes (\(limits.webSocket.maxFrameSize)) exceeds max_message_bytes (\(limits.webSocket.maxMessageSize))")
        }
        if limits.lossyDropBytes > limits.maxBufferedBytes {
            throw ConfigurationError("limits: lossy_drop_bytes exceeds max_buffered_bytes")
        }
        if let key = webhooks.apiKey, effectiveKeys[key] == nil {
            throw ConfigurationError("webhooks.api_key '\(key)' is not one of the configured keys")
        }
        try spotify.validate()
        try itunes.validate()
        try tls.validate(dev: dev, port: port)
        try youtube.validate()
        try cluster.validate()
        for url in webhooks.urls where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ConfigurationError("webhooks.urls: '\(url)' is not an http(s) URL")
        }
    }
}
