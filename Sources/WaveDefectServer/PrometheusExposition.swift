import EventLoop
import RoomCore
import SystemClock
import WebSocketCore

/// `GET /metrics` in the Prometheus text exposition format (version 0.0.4).
struct PrometheusExposition {
    private(set) var text = ""

    /// Bucket bounds of the publish→write latency histogram, in seconds.
    static let latencyBounds: [Double] = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    mutating func metric(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.format(value) + "\n"
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}

extension WaveDefectServer {
    func prometheusText() -> String {
        var p = PrometheusExposition()
        let rooms = registry.sortedRooms
        p.metric("wavedefect_connections", "gauge", "Open TCP connections (HTTP and WebSocket).")
        p.sample("wavedefect_connections", [], Double(connections.count))
        p.metric("wavedefect_rooms", "gauge", "Open rooms.")
        p.sample("wavedefect_rooms", [], Double(rooms.count))
        p.metric("wavedefect_queued_output_bytes", "gauge", "Bytes queued on all connections, not yet taken by the kernel (limits.max_queued_output_bytes).")
        p.sample("wavedefect_queued_output_bytes", [], Double(loop.queuedOutputBytes))
        p.metric("wavedefect_partial_message_bytes", "gauge", "Bytes held for unfinished WebSocket messages on all connections (limits.max_partial_message_bytes).")
        p.sample("wavedefect_partial_message_bytes", [], Double(partialMessages.held))
        p.metric("wavedefect_participants", "gauge", "Participants per room (agents included, suspended included).")
        for r in rooms { p.sample("wavedefect_participants", [("room", r.name)], Double(r.participants.count)) }

        var counters: [(String, String, Int)] = [
            ("wavedefect_connections_accepted_total", "Connections accepted.", stats.connectionsAccepted),
            ("wavedefect_connections_refused_total", "Connections refused (limit or shutdown).", stats.connectionsRefused),
            ("wavedefect_address_limit_refusals_total", "Connections, requests and handshakes answered 429 by a per-address limit.", stats.addressLimitRefusals),
            ("wavedefect_upgrades_total", "WebSocket upgrades accepted.", stats.upgrades),
            ("wavedefect_upgrades_refused_total", "WebSocket upgrades refused (handshake, token, room).", stats.refusedUpgrades),
            ("wavedefect_broadcasts_total", "Messages handed to several participants at once: each data or room message, and each chunk of a presence batch (presence_deliveries_per_turn members at a time).", stats.broadcasts),
            ("wavedefect_presence_deliveries_total", "Presence batches delivered, one per member: a loop turn's joins and leaves of a room reach a member as one.", stats.presenceDeliveries),
            ("wavedefect_lossy_dropped_total", "Lossy messages dropped for slow subscribers.", stats.lossyDropped),
            ("wavedefect_slow_consumers_total", "Subscribers disconnected for exceeding the backlog limit.", stats.slowConsumersDisconnected),
            ("wavedefect_protocol_errors_total", "Connections failed for WebSocket protocol errors.", stats.protocolErrors),
            ("wavedefect_tls_handshake_failures_total", "TLS handshakes that failed (no shared version, bad hello, alert).", stats.tlsHandshakeFailures),
            ("wavedefect_tls_handshake_timeouts_total", "Connections closed for not finishing the TLS handshake in time.", stats.tlsHandshakeTimeouts),
            ("wavedefect_tls_reloads_total", "Certificate reloads on SIGHUP that took effect.", stats.tlsReloads),
            ("wavedefect_tls_reload_failures_total", "Certificate reloads on SIGHUP that failed (the old pair stayed).", stats.tlsReloadFailures),
            ("wavedefect_output_budget_cutoffs_total", "Subscribers cut off (4003) while the server's queued output was over its budget.", stats.outputBudgetCutoffs),
            ("wavedefect_partial_message_refusals_total", "Connections failed (1009) because unfinished messages were over the server-wide budget.", partialMessages.refusals),
        ]
        if let relay = cluster?.relay {
            counters += [
                ("wavedefect_relay_envelopes_sent_total", "Relay envelopes published to other nodes (at most one per peer node per loop turn).", relay.envelopesSent),
                ("wavedefect_relay_deliver_messages_total", "Frames sent to other nodes for their relayed clients: one per frame per node, however many recipients there.", relay.deliverMessagesSent),
                ("wavedefect_relay_frames_fanned_out_total", "Frames this node wrote to relayed clients' sockets, one per recipient.", relay.framesFannedOut),
            ]
        }
        for (name, help, value) in counters {
            p.metric(name, "counter", help)
            p.sample(name, [], Double(value))
        }

        p.metric("wavedefect_topic_messages_total", "counter", "Data messages published per room and topic.")
        for r in rooms { for (t, c) in r.topicStats.sorted(by: { $0.key < $1.key }) { p.sample("wavedefect_topic_messages_total", [("room", r.name), ("topic", t)], Double(c.messages)) } }
        p.metric("wavedefect_topic_bytes_total", "counter", "Payload bytes published per room and topic.")
        for r in rooms { for (t, c) in r.topicStats.sorted(by: { $0.key < $1.key }) { p.sample("wavedefect_topic_bytes_total", [("room", r.name), ("topic", t)], Double(c.bytes)) } }
        p.metric("wavedefect_topic_deliveries_total", "counter", "Deliveries (messages × recipients) per room and topic.")
        for r in rooms { for (t, c) in r.topicStats.sorted(by: { $0.key < $1.key }) { p.sample("wavedefect_topic_deliveries_total", [("room", r.name), ("topic", t)], Double(c.deliveries)) } }

        let now = SystemClock.monotonicNanoseconds
        p.metric("wavedefect_participant_rtt_seconds", "gauge", "Last round-trip time of the server's pings per participant.")
        var qualities: [ConnectionQuality: Int] = [:]
        for r in rooms {
            // Hidden participants are not listed here either: /metrics is readable by anyone
            // who can reach the port.
            for participant in r.participants where !participant.isHidden {
                // A relayed participant's socket is on its edge, which reports its round trip.
                guard let q = participant.endpoint.flatMap({ socketQuality(of: $0, now: now) }) else { continue }
                qualities[q.quality, default: 0] += 1
                if let rtt = q.rttMilliseconds {
                    p.sample("wavedefect_participant_rtt_seconds", [("room", r.name), ("identity", participant.identity)], rtt / 1000)
                }
            }
        }
        p.metric("wavedefect_connection_quality", "gauge", "Participants by connection quality.")
        for q in [ConnectionQuality.excellent, .good, .poor, .lost] {
            p.sample("wavedefect_connection_quality", [("quality", q.rawValue)], Double(qualities[q] ?? 0))
        }

        let webhookSeries: [(String, String, String, (WebhookCounters) -> Int)] = [
            ("wavedefect_webhooks_delivered_total", "counter", "Webhook events accepted by the receiver.", { $0.delivered }),
            ("wavedefect_webhooks_failed_total", "counter", "Webhook events given up on (refused or out of attempts).", { $0.failed }),
            ("wavedefect_webhooks_dropped_total", "counter", "Webhook events dropped because the URL's queue was full.", { $0.dropped }),
            ("wavedefect_webhooks_retries_total", "counter", "Webhook delivery attempts after the first.", { $0.retries }),
            ("wavedefect_webhooks_queued", "gauge", "Webhook events waiting per URL.", { $0.queued }),
        ]
        for (name, type, help, value) in webhookSeries {
            p.metric(name, type, help)
            for (url, counters) in webhookCountersByURL { p.sample(name, [("url", url)], Double(value(counters))) }
        }

        p.metric("wavedefect_http_client_requests_in_flight", "gauge", "Outgoing HTTP requests (webhooks, Spotify, …) handed to curl.")
        p.sample("wavedefect_http_client_requests_in_flight", [], Double(httpClient.inFlightCount))
        p.metric("wavedefect_http_client_requests_queued", "gauge", "Outgoing HTTP requests waiting for their host's in-flight limit.")
        p.sample("wavedefect_http_client_requests_queued", [], Double(httpClient.queuedCount))
        p.metric("wavedefect_http_client_queue_full_total", "counter", "Outgoing HTTP requests refused because their host's queue was full.")
        p.sample("wavedefect_http_client_queue_full_total", [], Double(httpClient.refusedQueueFull))

        writeAgentMetrics(to: &p)
        writeSpotifyMetrics(to: &p)
        writeITunesMetrics(to: &p)
        writeYouTubeMetrics(to: &p)

        let h = loop.writeLatency
        p.metric("wavedefect_publish_write_latency_seconds", "histogram", "Time from a message's encoding to its bytes reaching the kernel.")
        for bound in PrometheusExposition.latencyBounds {
            let count = h.cumulativeCount(atMost: UInt64(bound * 1e9))
            p.sample("wavedefect_publish_write_latency_seconds_bucket", [("le", PrometheusExposition.format(bound))], Double(count))
        }
        p.sample("wavedefect_publish_write_latency_seconds_bucket", [("le", "+Inf")], Double(h.count))
        p.sample("wavedefect_publish_write_latency_seconds_sum", [], Double(h.sum) / 1e9)
        p.sample("wavedefect_publish_write_latency_seconds_count", [], Double(h.count))
        return p.text
    }
}
