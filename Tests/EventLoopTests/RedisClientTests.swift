import ClusterCore
import HTTPCore
import EventLoop
import Foundation
import Logging
import RedisClient
import TestSupport
import Testing

/// The Redis client on a real loop against a real `redis-server` (one per test: some stop it).
@Suite struct RedisClientTests {
    /// A loop and a client, torn down in order.
    final class Fixture {
        let loop: EventLoop
        let client: RedisClient
        let log = LogRecorder()

        init(_ url: String, start: Bool = true) throws {
            loop = try EventLoop()
            client = RedisClient(loop: loop, address: try RedisAddress.parse(url), logger: log.logger, backoff: Backoff(base: 0.05, max: 0.5))
            if start { client.start() }
        }

        func run(_ command: [String], timeout: Double = 10) -> Result<RedisValue, RedisError>? {
            var result: Result<RedisValue, RedisError>?
            client.command(command) { result = $0 }
            runLoop(loop, timeout: timeout) { result != nil }
            return result
        }

        func waitConnected(timeout: Double = 10) -> Bool {
            runLoop(loop, timeout: timeout) { client.isConnected }
        }

        deinit {
            client.close()
            for _ in 0..<10 { loop.runOnce() }
            loop.close()
        }
    }

    @Test func commandsAnswerWithValues() throws {
        let redis = try RedisServerProcess()
        let f = try Fixture(redis.url)
        #expect(f.waitConnected())
        #expect(try f.run(["SET", "k", "v"])?.get() == .status("OK"))
        #expect(try f.run(["GET", "k"])?.get() == .string(Array("v".utf8)))
        #expect(try f.run(["GET", "missing"])?.get() == .null)
        #expect(try f.run(["INCRBY", "n", "41"])?.get() == .integer(41))
        #expect(try f.run(["RPUSH", "l", "a", "b"])?.get() == .integer(2))
        #expect(try f.run(["LRANGE", "l", "0", "-1"])?.get() == .array([.string([97]), .string([98])]))
        #expect(try f.run(["SET", "lease", "node-a", "NX", "PX", "5000"])?.get() == .status("OK"))
        #expect(try f.run(["SET", "lease", "node-b", "NX", "PX", "5000"])?.get() == .null)
        // An error reply is a failure that carries Redis's message.
        guard case .failure(let error) = f.run(["INCR", "k"]) else { Issue.record("INCR on a string succeeded"); return }
        #expect(error.isReply)
        #expect(error.message.contains("not an integer"))
    }

    @Test func binaryArgumentsRoundTrip() throws {
        let redis = try RedisServerProcess()
        let f = try Fixture(redis.url)
        #expect(f.waitConnected())
        let payload: [UInt8] = [0, 255, 13, 10, 36, 42]
        var result: Result<RedisValue, RedisError>?
        f.client.command(bytes: [Array("SET".utf8), Array("b".utf8), payload]) { result = $0 }
        runLoop(f.loop) { result != nil }
        #expect(try result?.get() == .status("OK"))
        #expect(try f.run(["GET", "b"])?.get() == .string(payload))
    }

    @Test func publishedMessagesReachTheSubscriber() throws {
        let redis = try RedisServerProcess()
        let f = try Fixture(redis.url)
        var received: [[UInt8]] = []
        f.client.subscribe("room:a") { received.append($0) }
        // PUBLISH answers how many subscribers got it: wait until the subscription is in place.
        var delivered: Int64 = 0
        runLoop(f.loop) {
            if delivered == 0, let n = try? f.run(["PUBLISH", "room:a", "hello"])?.get().integer { delivered = n }
            return delivered == 1
        }
        #expect(delivered == 1)
        _ = f.run(["PUBLISH", "room:a", "second"])
        _ = f.run(["PUBLISH", "room:b", "not subscribed"])
        runLoop(f.loop) { received.count >= 2 }
        #expect(received.map { String(decoding: $0, as: UTF8.self) }.suffix(2) == ["hello", "second"])
        f.client.unsubscribe("room:a")
        runLoop(f.loop) { (try? f.run(["PUBLISH", "room:a", "after"])?.get().integer) == 0 }
        #expect(try f.run(["PUBLISH", "room:a", "after"])?.get().integer == 0)
    }

    @Test func redisDownIsAnErrorNamingRedisThenTheClientReconnectsAndResubscribes() throws {
        let redis = try RedisServerProcess()
        redis.stop()
        let f = try Fixture(redis.url)
        guard case .failure(let error) = f.run(["PING"]) else { Issue.record("PING succeeded with Redis down"); return }
        #expect(error.isUnavailable)
        #expect(error.message.contains("Redis"))
        #expect(runLoop(f.loop, timeout: 5) { f.log.contains(level: .error, "cannot reach Redis") })
        #expect(f.log.messages.contains { $0.contains("redis://127.0.0.1:\(redis.port)") })

        var received: [String] = []
        f.client.subscribe("ch") { received.append(String(decoding: $0, as: UTF8.self)) }
        try redis.start()
        #expect(f.waitConnected())
        #expect(runLoop(f.loop) { f.log.contains(level: .notice, "Redis connection restored") })

        // Redis dies with the client connected, and comes back empty.
        var lost = 0
        f.client.onLost = { lost += 1 }
        redis.stop()
        #expect(runLoop(f.loop) { lost == 1 && !f.client.isConnected })
        #expect(runLoop(f.loop) { f.log.contains(level: .error, "lost the connection to Redis") })
        try redis.start()
        #expect(f.waitConnected())
        #expect(try f.run(["SET", "k", "1"])?.get() == .status("OK"))
        // The subscription is renewed on the new connection.
        #expect(runLoop(f.loop) {
            _ = f.run(["PUBLISH", "ch", "back"])
            return received.contains("back")
        })
    }

    @Test func passwordAndDatabaseAreSetUpOnConnect() throws {
        let redis = try RedisServerProcess(extraArguments: ["--requirepass", "pa@ss"])
        let f = try Fixture("redis://:pa%40ss@127.0.0.1:\(redis.port)/3")
        #expect(f.waitConnected())
        #expect(try f.run(["SET", "only-in-3", "x"])?.get() == .status("OK"))
        let other = try Fixture("redis://:pa%40ss@localhost:\(redis.port)")
        #expect(other.waitConnected())
        #expect(try other.run(["EXISTS", "only-in-3"])?.get() == .integer(0))
        #expect(try other.run(["SELECT", "3"])?.get() == .status("OK"))
        #expect(try other.run(["EXISTS", "only-in-3"])?.get() == .integer(1))
    }

    @Test func aWrongPasswordIsLoggedAndNeverReady() throws {
        let redis = try RedisServerProcess(extraArguments: ["--requirepass", "right"])
        let f = try Fixture("redis://:hunter2@127.0.0.1:\(redis.port)")
        #expect(runLoop(f.loop) { f.log.contains(level: .error, "Redis refused the connection's set-up") })
        #expect(!f.client.isConnected)
        #expect(!f.log.messages.contains { $0.contains("hunter2") })
    }
}

/// Keeps what a logger was told, for tests that check what the server says.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(Logger.Level, String)] = []

    var logger: Logger {
        Logger(label: "test") { _ in Handler(recorder: self) }
    }

    var messages: [String] {
        lock.withLock { entries.map(\.1) }
    }

    func contains(level: Logger.Level, _ text: String) -> Bool {
        lock.withLock { entries.contains { $0.0 == level && $0.1.contains(text) } }
    }

    fileprivate func record(_ level: Logger.Level, _ text: String) {
        lock.withLock { entries.append((level, text)) }
    }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            recorder.record(event.level, "\(event.message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }
}
