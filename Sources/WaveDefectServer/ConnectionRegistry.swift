/// A connection the server sweeps for timeouts and closes on shutdown: the HTTP phase
/// (`ClientConnection`), a participant's WebSocket (`WebSocketSession`), an agent worker's
/// (`WorkerConnection`). A base class rather than a protocol because the registry holds one
/// reference per open connection: a protocol existential is two words, 16 bytes a
/// connection (about 26 with the array's slack), a class reference one
/// (docs/benchmarks.md, "Where an idle connection's bytes go"). Subclasses override the
/// three methods.
class ServerConnection {
    /// Position in the registry (-1 outside it), kept by the registry for O(1) removal; 4
    /// bytes, so a subclass's small fields share the word with it.
    private var index32: Int32 = -1

    final var registryIndex: Int {
        get { Int(index32) }
        set { index32 = Int32(newValue) }
    }

    /// Runs the connection's timeouts and returns when it next needs a sweep (monotonic ns;
    /// early is harmless, late is not).
    func sweep(now: UInt64) -> UInt64 { preconditionFailure("\(Self.self) does not override sweep(now:)") }
    /// Graceful close for shutdown (WebSocket: close 1001).
    func shutdown() { preconditionFailure("\(Self.self) does not override shutdown()") }
    /// Immediate close when the shutdown deadline passed.
    func forceClose() { preconditionFailure("\(Self.self) does not override forceClose()") }
}

/// Every open connection, in an array with swap-removal: adding, removing and replacing are
/// O(1). Beside it, in the manner of uSockets, each connection's next deadline: the sweep
/// scans that array of integers and calls only the connections that are due, so an idle
/// connection costs one call per ping interval rather than one per sweep.
struct ConnectionRegistry {
    private var items: [ServerConnection] = []
    private var deadlines: [UInt64] = []
    /// The client address each connection counts against, beside it — only once some
    /// connection has one (per-address limits on): with the limits off every entry would be
    /// nil, and 16 bytes a connection (26 with the array's slack) for nothing.
    private var addresses: [String?] = []

    var count: Int { items.count }

    /// A new connection is due at the next sweep.
    mutating func add(_ c: ServerConnection, address: String? = nil) {
        c.registryIndex = items.count
        items.append(c)
        deadlines.append(0)
        if address != nil && addresses.isEmpty {
            addresses = Array(repeating: nil, count: items.count - 1)
        }
        if !addresses.isEmpty || address != nil { addresses.append(address) }
    }

    /// The client address `c` was added with (kept across `replace`).
    func address(of c: ServerConnection) -> String? {
        let i = c.registryIndex
        guard i >= 0, i < addresses.count, items[i] === c else { return nil }
        return addresses[i]
    }

    /// Removes `c`; returns the client address it was added with, to give its count back.
    @discardableResult
    mutating func remove(_ c: ServerConnection) -> String? {
        let i = c.registryIndex
        guard i >= 0, i < items.count, items[i] === c else { return nil }
        let address = addresses.isEmpty ? nil : addresses[i]
        let last = items.removeLast()
        let lastDeadline = deadlines.removeLast()
        let lastAddress = addresses.popLast() ?? nil
        if i < items.count {
            items[i] = last
            deadlines[i] = lastDeadline
            if !addresses.isEmpty { addresses[i] = lastAddress }
            last.registryIndex = i
        }
        c.registryIndex = -1
        // After a crowd left, the arrays give their storage back (at a quarter full, so a
        // count going up and down around a size does not reallocate every time).
        if items.capacity > 1024 && items.count * 4 < items.capacity {
            items = Self.compacted(items)
            deadlines = Self.compacted(deadlines)
            addresses = Self.compacted(addresses)
        }
        return address
    }

    private static func compacted<T>(_ array: [T]) -> [T] {
        var copy: [T] = []
        copy.reserveCapacity(array.count * 2)
        copy.append(contentsOf: array)
        return copy
    }

    /// Puts `new` where `old` was (an HTTP connection becoming a WebSocket session).
    mutating func replace(_ old: ServerConnection, with new: ServerConnection) {
        let i = old.registryIndex
        guard i >= 0, i < items.count, items[i] === old else {
            add(new)
            return
        }
        // The address stays where it was: it belongs to the socket, not to the handler.
        items[i] = new
        deadlines[i] = 0
        new.registryIndex = i
        old.registryIndex = -1
    }

    /// Brings a connection's next sweep forward to `deadline` (0: the next sweep).
    mutating func wake(_ c: ServerConnection, at deadline: UInt64 = 0) {
        let i = c.registryIndex
        guard i >= 0, i < items.count, items[i] === c else { return }
        if deadline < deadlines[i] { deadlines[i] = deadline }
    }

    /// The connections whose deadline has come.
    func due(at now: UInt64) -> [ServerConnection] {
        var out: [ServerConnection] = []
        deadlines.withUnsafeBufferPointer { d in
            for i in d.indices where d[i] <= now { out.append(items[i]) }
        }
        return out
    }

    /// Records when `c` next needs a sweep.
    mutating func setDeadline(_ c: ServerConnection, _ deadline: UInt64) {
        let i = c.registryIndex
        guard i >= 0, i < items.count, items[i] === c else { return }
        deadlines[i] = deadline
    }

    /// Calls `body` on a snapshot, so connections may close during the walk.
    func forEach(_ body: (ServerConnection) -> Void) {
        for c in items { body(c) }
    }
}
