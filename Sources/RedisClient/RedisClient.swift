import ClusterCore
import HTTPCore
import EventLoop
import Logging

/// Redis for a node of the cluster (docs/cluster.md): hiredis's async API on the libuv loop,
/// never blocking it. Commands go over one connection (their replies come back in order);
/// pub/sub gets a second one, opened on the first `subscribe`, since a subscribed connection
/// can run nothing else. Both reconnect on their own with `reconnectBackoff`, and the
/// subscriptions are renewed on the new connection.
///
/// Everything runs on the loop thread, completions and message handlers included.
public final class RedisClient {
    public let address: RedisAddress
    private let loop: EventLoop
    private let logger: Logger
    private let backoff: Backoff
    private let commands: RedisConnection
    private var subscriber: RedisConnection?
    private var handlers: [String: ([UInt8]) -> Void] = [:]
    private let name: String?

    /// The command connection is up (again): what a node re-registers from.
    public var onReady: (() -> Void)? {
        didSet { commands.onReady = onReady }
    }
    /// The command connection dropped (Redis stopped, the network failed).
    public var onLost: (() -> Void)? {
        didSet { commands.onLost = onLost }
    }
    /// The subscription connection dropped on its own (killed by `CLIENT KILL`, an output
    /// buffer limit, the network): what is published to its channels until it is back is lost.
    public var onSubscriptionsLost: (() -> Void)?
    /// The subscription connection is back and its channels are subscribed again (sent on it).
    public var onSubscriptionsRestored: (() -> Void)?

    /// Reconnect waits: 0.1 s doubling to 5 s, jittered (the project's one rule, `Backoff`),
    /// so Redis back means every node is connected again within 5 s.
    public static let reconnectBackoff = Backoff(base: 0.1, max: 5)

    /// `name`: given to both connections (`CLIENT SETNAME name:commands` and
    /// `name:subscriptions`), so `CLIENT LIST` tells whose connection is whose.
    public init(loop: EventLoop, address: RedisAddress, logger: Logger, backoff: Backoff = RedisClient.reconnectBackoff, name: String? = nil) {
        self.loop = loop
        self.address = address
        self.logger = logger
        self.backoff = backoff
        self.name = name
        commands = RedisConnection(loop: loop, address: address, role: .commands, logger: logger, backoff: backoff, name: name)
    }

    deinit {
        close()
    }

    /// Connects (and keeps reconnecting); commands sent before the connection is up wait for it.
    public func start() {
        // hiredis writes to its socket with write(2): a Redis that went away must not kill
        // the process with SIGPIPE.
        SignalWatcher.ignoreSIGPIPE()
        commands.start()
        subscriber?.start()
    }

    /// Connected, authenticated and on the configured database.
    public var isConnected: Bool { commands.isReady }

    public func command(_ args: [String], completion: @escaping (Result<RedisValue, RedisError>) -> Void = { _ in }) {
        commands.send(args.map { Array($0.utf8) }, completion)
    }

    /// A command whose arguments are bytes (payloads that are not text).
    public func command(bytes args: [[UInt8]], completion: @escaping (Result<RedisValue, RedisError>) -> Void = { _ in }) {
        commands.send(args, completion)
    }

    /// Calls `handler` with each message published on `channel` from now on (and again after
    /// a reconnect; messages published while disconnected are lost — pub/sub keeps none).
    public func subscribe(_ channel: String, _ handler: @escaping ([UInt8]) -> Void) {
        let isNew = handlers.updateValue(handler, forKey: channel) == nil
        let connection = subscriptionConnection()
        if isNew { connection.subscribe([channel]) }
    }

    public func unsubscribe(_ channel: String) {
        guard handlers.removeValue(forKey: channel) != nil else { return }
        subscriber?.unsubscribe([channel])
    }

    /// Closes both connections; commands in flight complete with `.unavailable`.
    public func close() {
        commands.close()
        subscriber?.close()
        handlers.removeAll()
    }

    private func subscriptionConnection() -> RedisConnection {
        if let subscriber { return subscriber }
        let connection = RedisConnection(loop: loop, address: address, role: .subscriptions, logger: logger, backoff: backoff, name: name)
        connection.onReady = { [unowned self, unowned connection] in
            connection.subscribe(self.handlers.keys.sorted())
            self.onSubscriptionsRestored?()
        }
        connection.onLost = { [unowned self] in
            self.onSubscriptionsLost?()
        }
        connection.onMessage = { [unowned self] channel, payload in
            self.handlers[channel]?(payload)
        }
        subscriber = connection
        if !commands.isClosed { connection.start() }
        return connection
    }
}
