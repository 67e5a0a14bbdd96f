import CHiredis
import ClusterCore
import Glibc
import Synchronization

/// One synchronous hiredis connection, for threads that may block: the thread pool and agent
/// threads, where the server already reads and writes SQLite synchronously (taste profiles).
/// Never call it on the loop thread; the loop has `RedisClient`.
///
/// Connects on first use (AUTH and SELECT as `RedisAddress` says), and again on the call after
/// a failure; a command that finds a connection Redis dropped meanwhile (a Redis restart) is
/// sent once more on a fresh one. Every connect and command waits at most `timeout` seconds,
/// then fails with `RedisError.unavailable`, so a Redis that is down costs a caller at most
/// two timeouts, never a hang. One caller at a time (a lock): these are short commands.
public final class RedisBlockingConnection: Sendable {
    public let address: RedisAddress
    public let timeout: Double
    private let context = Mutex<ContextBox>(ContextBox())

    public init(address: RedisAddress, timeout: Double) {
        self.address = address
        self.timeout = timeout
    }

    deinit {
        context.withLock { box in
            if let c = box.context { redisFree(c) }
            box.context = nil
        }
    }

    public func command(_ arguments: [String]) throws(RedisError) -> RedisValue {
        try command(bytes: arguments.map { Array($0.utf8) })
    }

    /// Sends one command and returns its reply; an error reply throws `RedisError.reply`.
    public func command(bytes arguments: [[UInt8]]) throws(RedisError) -> RedisValue {
        let result: Result<RedisValue, RedisError> = context.withLock { box in
            let reused = box.context != nil
            var outcome = send(arguments, box)
            if case .failure(let error) = outcome, error.isUnavailable, reused { outcome = send(arguments, box) }
            return outcome
        }
        let value = try result.get()
        if case .error(let message) = value { throw RedisError.reply("Redis at \(address): \(message)") }
        return value
    }

    /// One attempt: connects when needed; an I/O failure frees the context.
    private func send(_ arguments: [[UInt8]], _ box: ContextBox) -> Result<RedisValue, RedisError> {
        if box.context == nil {
            switch connect() {
            case .success(let c): box.context = c
            case .failure(let error): return .failure(error)
            }
        }
        guard let c = box.context else { return .failure(.unavailable("Redis at \(address): not connected")) }
        guard let reply = Self.run(c, arguments) else {
            let reason = Self.errorText(c)
            redisFree(c)
            box.context = nil
            return .failure(.unavailable("Redis at \(address): \(reason)"))
        }
        return .success(reply)
    }

    private func connect() -> Result<UnsafeMutablePointer<redisContext>, RedisError> {
        let whole = timeout.rounded(.down)
        let tv = timeval(tv_sec: Int(whole), tv_usec: Int((timeout - whole) * 1_000_000))
        guard let c = redisConnectWithTimeout(address.host, Int32(address.port), tv) else {
            return .failure(.unavailable("Redis at \(address): out of memory"))
        }
        guard c.pointee.err == 0 else {
            let reason = Self.errorText(c)
            redisFree(c)
            return .failure(.unavailable("cannot reach Redis at \(address): \(reason)"))
        }
        _ = redisSetTimeout(c, tv)
        var steps: [[String]] = []
        if let password = address.password { steps.append(address.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]) }
        if address.database != 0 { steps.append(["SELECT", String(address.database)]) }
        for step in steps {
            let reply = Self.run(c, step.map { Array($0.utf8) })
            if case .error(let message)? = reply {
                redisFree(c)
                return .failure(.reply("Redis at \(address) refused \(step[0]): \(message)"))
            }
            if reply == nil {
                let reason = Self.errorText(c)
                redisFree(c)
                return .failure(.unavailable("Redis at \(address): \(reason)"))
            }
        }
        return .success(c)
    }

    /// The reply, or nil when the connection failed (its `err` says why).
    private static func run(_ c: UnsafeMutablePointer<redisContext>, _ arguments: [[UInt8]]) -> RedisValue? {
        let lengths = arguments.map(\.count)
        // hiredis reads each argument as (pointer, length): no terminator needed.
        let pointers = arguments.map { bytes -> UnsafeMutablePointer<CChar> in
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            bytes.withUnsafeBytes { raw in
                if raw.count > 0 { UnsafeMutableRawPointer(p).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
            }
            return p
        }
        defer { pointers.forEach { $0.deallocate() } }
        var argv = pointers.map { UnsafePointer<CChar>?(UnsafePointer($0)) }
        let raw = argv.withUnsafeMutableBufferPointer { argvBuffer in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                redisCommandArgv(c, Int32(arguments.count), argvBuffer.baseAddress, lengthBuffer.baseAddress)
            }
        }
        guard let raw else { return nil }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return RedisValue(UnsafePointer(reply))
    }

    private static func errorText(_ c: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: c.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return bytes.isEmpty ? "connection failed" : String(decoding: bytes, as: UTF8.self)
        }
    }
}

/// The context is only touched under the connection's lock.
private final class ContextBox: @unchecked Sendable {
    var context: UnsafeMutablePointer<redisContext>?
}
