import CHiredis
import ClusterCore
import HTTPCore
import EventLoop
import Logging

/// One hiredis async context on the loop, through hiredis's libuv adapter: connects (a host
/// name is resolved off the loop first), authenticates and selects the database, and when the
/// connection fails or drops, tries again after `Backoff` (jittered), for as long as it is open.
/// The first failure of an outage is logged as an error naming Redis and its address; the
/// retries after it at debug; the recovery as a notice.
///
/// Everything runs on the loop thread. Command completions run once: with the reply, or with
/// `.unavailable` when the connection is not up or drops with the command in flight.
final class RedisConnection {
    enum Role: String {
        case commands, subscriptions
    }

    let loop: EventLoop
    let address: RedisAddress
    let role: Role
    let logger: Logger
    let backoff: Backoff
    /// `CLIENT SETNAME` for this connection (what `CLIENT LIST` shows), if any.
    let name: String?
    private var context: UnsafeMutablePointer<redisAsyncContext>?
    /// Bumped per context, so the handshake of an earlier one cannot mark a later one ready.
    private var epoch = 0
    /// Connected, authenticated and on the configured database.
    private(set) var isReady = false
    private(set) var isClosed = false
    /// Failed attempts since the last time the connection was ready.
    private var failures = 0
    private var everReady = false
    private var retryTimer: LoopTimer?
    private var resolution: HostResolution?

    /// The connection is ready (again): subscriptions are renewed here.
    var onReady: (() -> Void)?
    /// A ready connection dropped; a reconnect is scheduled.
    var onLost: (() -> Void)?
    /// Pub/sub: a message on a channel (subscription connections only).
    var onMessage: ((String, [UInt8]) -> Void)?

    init(loop: EventLoop, address: RedisAddress, role: Role, logger: Logger, backoff: Backoff, name: String? = nil) {
        self.name = name.map { "\($0):\(role.rawValue)" }
        self.loop = loop
        self.address = address
        self.role = role
        self.logger = logger
        self.backoff = backoff
    }

    deinit {
        close()
    }

    func start() {
        guard !isClosed, context == nil, resolution == nil, retryTimer?.isActive != true else { return }
        connect()
    }

    /// Frees the context: commands in flight complete with `.unavailable`, no reconnect follows.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        isReady = false
        retryTimer?.stop()
        retryTimer = nil
        resolution?.cancel()
        resolution = nil
        if let ac = context {
            context = nil
            // hiredis calls back while freeing (pending commands, the disconnect); with no
            // owner those find nothing to tell but their own completions.
            ac.pointee.data = nil
            redisAsyncFree(ac)
        }
    }

    // MARK: Commands

    /// Sends one command; its completion runs once, on the loop thread.
    func send(_ args: [[UInt8]], _ completion: @escaping (Result<RedisValue, RedisError>) -> Void) {
        guard let ac = context else {
            return completion(.failure(isClosed ? .closed : .unavailable("Redis at \(address) is not connected")))
        }
        let box = Unmanaged.passRetained(ReplyBox(completion, address: address)).toOpaque()
        let rc = Self.withArgv(args) { argc, argv, lengths in
            redisAsyncCommandArgv(ac, { _, reply, privdata in
                Unmanaged<ReplyBox>.fromOpaque(privdata!).takeRetainedValue().complete(reply)
            }, box, argc, argv, lengths)
        }
        if rc != REDIS_OK {
            Unmanaged<ReplyBox>.fromOpaque(box).release()
            completion(.failure(.unavailable("Redis at \(address) is not connected")))
        }
    }

    /// `SUBSCRIBE` (subscription connections): messages arrive through `onMessage`.
    func subscribe(_ channels: [String]) {
        sendSubscription(["SUBSCRIBE"] + channels)
    }

    func unsubscribe(_ channels: [String]) {
        sendSubscription(["UNSUBSCRIBE"] + channels)
    }

    private func sendSubscription(_ words: [String]) {
        guard let ac = context, isReady, words.count > 1 else { return }
        _ = Self.withArgv(words.map { Array($0.utf8) }) { argc, argv, lengths in
            redisAsyncCommandArgv(ac, { ac, reply, _ in
                guard let ac, let reply, let me = RedisConnection.owner(ac) else { return }
                me.subscriptionReply(RedisValue(reply.assumingMemoryBound(to: redisReply.self)))
            }, nil, argc, argv, lengths)
        }
    }

    private func subscriptionReply(_ value: RedisValue) {
        guard let parts = value.array, parts.count == 3, parts[0].text == "message", let channel = parts[1].text, let payload = parts[2].bytes else {
            return
        }
        onMessage?(channel, payload)
    }

    /// hiredis takes `argc`, `argv` and `argvlen`; the bytes are copied into its buffer
    /// before the call returns.
    private static func withArgv(
        _ args: [[UInt8]], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafeMutablePointer<Int>) -> Int32
    ) -> Int32 {
        let total = args.reduce(0) { $0 + $1.count }
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: max(total, 1))
        let argv = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: args.count)
        let lengths = UnsafeMutablePointer<Int>.allocate(capacity: args.count)
        defer {
            storage.deallocate()
            argv.deallocate()
            lengths.deallocate()
        }
        var offset = 0
        for (i, arg) in args.enumerated() {
            arg.withUnsafeBufferPointer { if let base = $0.baseAddress { (storage + offset).update(from: base, count: arg.count) } }
            argv[i] = UnsafeRawPointer(storage + offset).assumingMemoryBound(to: CChar.self)
            lengths[i] = arg.count
            offset += arg.count
        }
        return body(Int32(args.count), argv, lengths)
    }

    static func owner(_ ac: UnsafePointer<redisAsyncContext>) -> RedisConnection? {
        guard let data = ac.pointee.data else { return nil }
        return Unmanaged<RedisConnection>.fromOpaque(data).takeUnretainedValue()
    }

    // MARK: Connecting

    private func connect() {
        if (try? SocketAddress.make(host: address.host, port: address.port)) != nil {
            return open(ip: address.host)
        }
        resolution = HostResolution.start(loop: loop, host: address.host, port: address.port) { [weak self] result in
            guard let self, !self.isClosed else { return }
            self.resolution = nil
            switch result {
            case .success(let ip): self.open(ip: ip)
            case .failure(let error): self.retry(after: error.message)
            }
        }
    }

    private func open(ip: String) {
        guard let ac = redisAsyncConnect(ip, Int32(address.port)) else { return retry(after: "out of memory") }
        if ac.pointee.err != 0 {
            let message = String(cString: wd_redis_async_errstr(ac))
            redisAsyncFree(ac)
            return retry(after: message)
        }
        ac.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        guard wd_redis_attach(ac, loop.raw) == REDIS_OK else {
            ac.pointee.data = nil
            redisAsyncFree(ac)
            return retry(after: "cannot attach to the event loop")
        }
        _ = redisAsyncSetConnectCallback(ac) { ac, status in
            guard let ac, let me = RedisConnection.owner(ac) else { return }
            if status != REDIS_OK { me.dropped(String(cString: wd_redis_async_errstr(ac)), wasConnected: false) }
        }
        _ = redisAsyncSetDisconnectCallback(ac) { ac, status in
            guard let ac, let me = RedisConnection.owner(ac) else { return }
            me.dropped(status == REDIS_OK ? "connection closed" : String(cString: wd_redis_async_errstr(ac)), wasConnected: true)
        }
        context = ac
        epoch += 1
        handshake(epoch)
    }

    /// AUTH and SELECT go first on the new connection (hiredis queues them until it is up);
    /// the PING's answer says everything before it succeeded.
    private func handshake(_ epoch: Int) {
        var steps: [[String]] = []
        if let password = address.password {
            steps.append(address.username.map { ["AUTH", $0, password] } ?? ["AUTH", password])
        }
        if address.database != 0 { steps.append(["SELECT", String(address.database)]) }
        steps.append(["PING"])
        for (i, step) in steps.enumerated() {
            let isLast = i == steps.count - 1
            // After AUTH and SELECT. A name is a convenience: a Redis that refuses it (an ACL
            // without CLIENT) still serves the connection, so its answer is not a step.
            if isLast, let name { send(["CLIENT", "SETNAME", name].map { Array($0.utf8) }) { _ in } }
            send(step.map { Array($0.utf8) }) { [weak self] result in
                guard let self, self.epoch == epoch, self.context != nil else { return }
                switch result {
                case .success:
                    if isLast { self.becameReady() }
                case .failure(let error) where error.isReply:
                    // Wrong password, no such database: this connection is useless; drop it
                    // and keep retrying (slowly) in case the configuration of Redis changes.
                    self.logger.error("Redis refused the connection's set-up", metadata: [
                        "redis": "\(self.address)", "command": "\(step[0])", "error": "\(error.message)",
                    ])
                    if let ac = self.context { redisAsyncDisconnect(ac) }
                case .failure:
                    break  // the connection dropped: `dropped` schedules the retry
                }
            }
        }
    }

    private func becameReady() {
        isReady = true
        if failures > 0 || everReady {
            logger.notice("Redis connection restored", metadata: ["redis": "\(address)", "role": "\(role.rawValue)", "failed_attempts": "\(failures)"])
        } else {
            logger.info("connected to Redis", metadata: ["redis": "\(address)", "role": "\(role.rawValue)"])
        }
        failures = 0
        everReady = true
        onReady?()
    }

    /// The context is gone (hiredis frees it after this callback).
    private func dropped(_ error: String, wasConnected: Bool) {
        context = nil
        let wasReady = isReady
        isReady = false
        if wasReady { onLost?() }
        retry(after: error)
    }

    private func retry(after error: String) {
        guard !isClosed else { return }
        failures += 1
        let delay = backoff.delay(failures: failures)
        let metadata: Logger.Metadata = [
            "redis": "\(address)", "role": "\(role.rawValue)", "error": "\(error)", "retry_in_s": "\((delay * 100).rounded() / 100)",
        ]
        if failures == 1 {
            logger.error(everReady ? "lost the connection to Redis; reconnecting" : "cannot reach Redis; retrying", metadata: metadata)
        } else {
            logger.debug("Redis still unreachable", metadata: metadata)
        }
        if retryTimer == nil {
            retryTimer = LoopTimer(loop: loop) { [unowned self] in
                guard !self.isClosed, self.context == nil, self.resolution == nil else { return }
                self.connect()
            }
        }
        retryTimer?.start(afterMilliseconds: UInt64(delay * 1000))
    }
}

/// A command's completion, retained by hiredis's `privdata` until its one callback.
private final class ReplyBox {
    let completion: (Result<RedisValue, RedisError>) -> Void
    let address: RedisAddress

    init(_ completion: @escaping (Result<RedisValue, RedisError>) -> Void, address: RedisAddress) {
        self.completion = completion
        self.address = address
    }

    func complete(_ reply: UnsafeMutableRawPointer?) {
        guard let reply else {
            return completion(.failure(.unavailable("Redis at \(address): connection lost before the reply")))
        }
        let value = RedisValue(reply.assumingMemoryBound(to: redisReply.self))
        if case .error(let message) = value { return completion(.failure(.reply(message))) }
        completion(.success(value))
    }
}
