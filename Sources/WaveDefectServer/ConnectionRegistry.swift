/// A connection the server sweeps for timeouts and closes on shutdown.
protocol ServerConnection: AnyObject {
    /// Position in the registry, kept by the registry for O(1) removal.
    var registryIndex: Int { get set }
    func sweep(now: UInt64)
    /// Graceful close for shutdown (WebSocket: close 1001).
    func shutdown()
    /// Immediate close when the shutdown deadline passed.
    func forceClose()
}

/// Every open connection, in an array with swap-removal: adding, removing and replacing are
/// O(1), and the sweep walks contiguous memory.
struct ConnectionRegistry {
    private var items: [ServerConnection] = []

    var count: Int { items.count }

    mutating func add(_ c: ServerConnection) {
        c.registryIndex = items.count
        items.append(c)
    }

    mutating func remove(_ c: ServerConnection) {
        let i = c.registryIndex
        guard i >= 0, i < items.count, items[i] === c else { return }
        let last = items.removeLast()
        if i < items.count {
            items[i] = last
            last.registryIndex = i
        }
        c.registryIndex = -1
    }

    /// Puts `new` where `old` was (an HTTP connection becoming a WebSocket session).
    mutating func replace(_ old: ServerConnection, with new: ServerConnection) {
        let i = old.registryIndex
        guard i >= 0, i < items.count, items[i] === old else {
            add(new)
            return
        }
        items[i] = new
        new.registryIndex = i
        old.registryIndex = -1
    }

    /// Calls `body` on a snapshot, so connections may close during the walk.
    func forEach(_ body: (ServerConnection) -> Void) {
        for c in items { body(c) }
    }
}
