import Foundation

/// What a suite starts once, for the first of its tests that asks, and shares with the rest:
/// a cluster's redis-server and nodes, which a test trait cannot hand out as one value. The
/// lock makes tests that ask at the same time wait for one start; a start that throws is
/// tried again by the next test.
final class StartedOnce<Value: AnyObject>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?
    private let start: () throws -> Value

    init(_ start: @escaping () throws -> Value) {
        self.start = start
    }

    func get() throws -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let value { return value }
        let started = try start()
        value = started
        return started
    }
}
