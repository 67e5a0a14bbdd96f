import ByteStorage
import EventLoop
import RoomCore
import WebSocketCore
import WireJSON
import WireProtocol

extension WaveDefectServer {
    /// Connection quality of a participant from its session's ping round trips.
    func quality(of session: WebSocketSession, now: UInt64) -> (rttMilliseconds: Double?, quality: ConnectionQuality) {
        let rtt = session.machine.lastRTT
        let quality = ConnectionQuality.from(
            rttNanoseconds: rtt, silentFor: now &- session.machine.lastReceived,
            pingInterval: connectionConfiguration.pingInterval
        )
        return (rtt.map { Double($0) / 1e6 }, quality)
    }

    /// A participant's socket's quality: measured here, or by the edge relaying it.
    func socketQuality(of endpoint: any RoomEndpoint, now: UInt64) -> (rttMilliseconds: Double?, quality: ConnectionQuality)? {
        if let s = endpoint as? WebSocketSession { return quality(of: s, now: now) }
        if let r = endpoint as? RelayEndpoint { return r.quality(now: now) }
        return nil
    }

    /// `{"type":"metrics",…}` for one participant: its own RTT and quality, everyone's in the
    /// room, per-topic rates, and the server's publish→write latency.
    func metricsMessage(for session: WebSocketSession, now: UInt64) -> SharedBytes {
        metricsMessage(room: session.room, own: quality(of: session, now: now), droppedLossy: Int(session.participant.droppedLossyMessages), now: now)
    }

    /// The same message for any participant: `own` and `droppedLossy` are its socket's, on
    /// this node or measured by the edge that relays it (`RelayEndpoint`).
    func metricsMessage(room: Room, own: (rttMilliseconds: Double?, quality: ConnectionQuality), droppedLossy: Int, now: UInt64) -> SharedBytes {
        let rates = topicRates.rates(for: room)
        let latency = loop.writeLatency
        return ServerMessage.typed("metrics", capacity: 512 + room.participants.count * 96) { w in
            w.key("rtt_ms"); if let r = own.rttMilliseconds { w.double((r * 1000).rounded() / 1000) } else { w.null() }
            w.key("quality"); w.string(own.quality.rawValue)
            w.key("dropped_lossy"); w.int(droppedLossy)
            w.key("participants")
            w.beginArray()
            for p in room.participants where !p.isHidden {
                w.beginObject()
                w.key("identity"); w.string(p.identity)
                if let q = p.endpoint.flatMap({ socketQuality(of: $0, now: now) }) {
                    w.key("rtt_ms"); if let r = q.rttMilliseconds { w.double((r * 1000).rounded() / 1000) } else { w.null() }
                    w.key("quality"); w.string(q.quality.rawValue)
                } else {
                    w.key("rtt_ms"); w.null()
                    w.key("quality"); w.string(p.isActive ? ConnectionQuality.good.rawValue : ConnectionQuality.lost.rawValue)
                }
                w.endObject()
            }
            w.endArray()
            w.key("topics")
            w.beginObject()
            for (topic, r) in rates.sorted(by: { $0.key < $1.key }) {
                w.key(topic)
                w.beginObject()
                w.key("messages"); w.int(r.messages)
                w.key("bytes"); w.int(r.bytes)
                w.key("messages_per_s"); w.double((r.messagesPerSecond * 100).rounded() / 100)
                w.key("bytes_per_s"); w.double((r.bytesPerSecond * 100).rounded() / 100)
                w.endObject()
            }
            w.endObject()
            w.key("publish_latency_us")
            w.beginObject()
            w.key("count"); w.uint(latency.count)
            w.key("p50"); w.double(Double(latency.percentile(0.5)) / 1000)
            w.key("p90"); w.double(Double(latency.percentile(0.9)) / 1000)
            w.key("p99"); w.double(Double(latency.percentile(0.99)) / 1000)
            w.key("max"); w.double(Double(latency.max) / 1000)
            w.endObject()
        }
    }
}

/// Per-topic message and byte rates, computed from the rooms' counters once per sweep.
struct TopicRateTracker {
    struct Rate {
        var messages = 0
        var bytes = 0
        var messagesPerSecond = 0.0
        var bytesPerSecond = 0.0
    }

    private var previous: [String: (time: UInt64, counters: [String: Room.TopicCounters])] = [:]
    private var current: [String: [String: Rate]] = [:]

    mutating func update(rooms: [Room], now: UInt64) {
        var seen = Set<String>()
        for room in rooms {
            seen.insert(room.sid)
            var rates: [String: Rate] = [:]
            let before = previous[room.sid]
            let dt = before.map { Double(now &- $0.time) / 1e9 } ?? 0
            for (topic, c) in room.topicStats {
                var r = Rate(messages: c.messages, bytes: c.bytes)
                if let old = before?.counters[topic], dt > 0 {
                    r.messagesPerSecond = Double(c.messages - old.messages) / dt
                    r.bytesPerSecond = Double(c.bytes - old.bytes) / dt
                }
                rates[topic] = r
            }
            current[room.sid] = rates
            previous[room.sid] = (now, room.topicStats)
        }
        for sid in previous.keys where !seen.contains(sid) {
            previous[sid] = nil
            current[sid] = nil
        }
    }

    func rates(for room: Room) -> [String: Rate] {
        current[room.sid] ?? room.topicStats.mapValues { Rate(messages: $0.messages, bytes: $0.bytes) }
    }
}
