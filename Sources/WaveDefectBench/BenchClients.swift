import AccessToken
import EventLoop
import Foundation
import LoopWebSocketClient
import TLSCore

/// Opens many WebSocket clients on one loop, a bounded number of handshakes at a time, and
/// waits until all have joined.
public enum BenchClients {
    public static func token(identity: String, room: String, hidden: Bool = false) -> String {
        let now = Int64(Date().timeIntervalSince1970)
        var grant = VideoGrant(room: room, roomJoin: true)
        grant.hidden = hidden
        let claims = AccessTokenClaims(issuer: "devkey", identity: identity, expiresAt: now + 3600, notBefore: now - 5, video: grant)
        return AccessTokenMinter.mint(claims, secret: "secret")
    }

    /// Connects `count` clients; `configure` wires each before it connects. Returns when every
    /// client has received `joined` (or throws after `timeout`).
    public static func connect(
        loop: EventLoop, port: Int, tls: TLSContext? = nil, count: Int, room: @escaping (Int) -> String, hidden: Bool = false, concurrency: Int = 64,
        timeout: Double = 120, configure: @escaping (Int, LoopWebSocketClient) -> Void = { _, _ in }
    ) throws -> [LoopWebSocketClient] {
        try connect(loop: loop, ports: { _ in port }, tls: tls, count: count, room: room, hidden: hidden, concurrency: concurrency, timeout: timeout, configure: configure)
    }

    /// As above, client `i` connecting to port `ports(i)`: clients spread over several servers
    /// (the nodes of a cluster), from the local address `sources(i)` when it gives one.
    public static func connect(
        loop: EventLoop, ports: @escaping (Int) -> Int, sources: @escaping (Int) -> String? = { _ in nil }, tls: TLSContext? = nil, count: Int,
        room: @escaping (Int) -> String, hidden: Bool = false, concurrency: Int = 64, timeout: Double = 120, identityPrefix: String = "bench",
        configure: @escaping (Int, LoopWebSocketClient) -> Void = { _, _ in }
    ) throws -> [LoopWebSocketClient] {
        var clients: [LoopWebSocketClient] = []
        var joined = 0
        var failed: String?
        var started = 0
        var inFlight = 0
        func startNext() {
            while started < count && inFlight < concurrency {
                let i = started
                started += 1
                inFlight += 1
                let port = ports(i)
                let client = LoopWebSocketClient(host: "127.0.0.1", port: port, path: "/rtc?access_token=\(token(identity: "\(identityPrefix)-\(i)", room: room(i), hidden: hidden))", tls: tls)
                clients.append(client)
                configure(i, client)
                let userText = client.onText
                var sawJoined = false
                client.onText = { bytes in
                    if !sawJoined {
                        sawJoined = true
                        joined += 1
                        inFlight -= 1
                        startNext()
                        client.onText = userText
                        return
                    }
                    userText?(bytes)
                }
                client.onFailure = { failed = $0 }
                client.start(loop: loop, host: "127.0.0.1", port: port, source: sources(i))
            }
        }
        startNext()
        let deadline = Date().addingTimeInterval(timeout)
        while joined < count && failed == nil && Date() < deadline {
            loop.runOnce(block: true)
        }
        if let failed { throw BenchError("a client failed to join: \(failed.prefix(300))") }
        guard joined == count else { throw BenchError("only \(joined) of \(count) clients joined within \(timeout) s") }
        return clients
    }
}
