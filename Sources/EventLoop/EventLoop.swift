import ByteStorage
import CLibUV
import Synchronization
import SystemClock

/// One libuv loop and the state every connection on it shares: the read buffer, the list of
/// connections with pending writes, and the sweep timer.
///
/// Everything here runs on the loop's thread. The only entry points from other threads are
/// `execute(_:)` (through a `uv_async_t`) and the completions of `submit(work:then:)`.
public final class EventLoop {
    public let raw: UnsafeMutablePointer<uv_loop_t>
    /// One read buffer for every connection: reads are handled synchronously in the read
    /// callback, so no connection needs a buffer of its own while idle.
    let readBuffer: UnsafeMutableRawBufferPointer

    /// Connections with writes queued this turn. Unretained: a listed connection is kept
    /// alive by its libuv handle, and one closed while listed keeps that reference until the
    /// walk that unlists it (`TCPConnection.listings`) — so marking and flushing a recipient
    /// retains and releases nothing.
    private var dirty = FlushList()
    /// The other half of `dirty`'s double buffer: a flush walks one while new writes mark the other.
    private var flushing = FlushList()
    /// When the oldest write of the pending batch was queued (the turn it came in).
    private var dirtySince: UInt64 = 0
    private let flushHandle: UnsafeMutablePointer<uv_prepare_t>
    /// Active while `turnEndWork` has more to do: the loop then polls without blocking.
    private let spinHandle: UnsafeMutablePointer<uv_idle_t>
    /// Runs at the end of every turn, before the turn's writes go out (the server hands out
    /// presence batches here, so a turn's joins and leaves go out together). It returns
    /// whether work remains: then the next turn comes at once, after whatever I/O is ready,
    /// instead of the loop blocking — bounded work per turn, the rest on the turns after.
    public var turnEndWork: (() -> Bool)?
    private var spinning = false
    /// The one part of the loop other threads may hold: it queues closures for the loop.
    public let executor: LoopExecutor
    private var sweepTimer: LoopTimer?
    private var sweepers: [(id: Int, body: (UInt64) -> Void)] = []
    private var nextSweeperID = 0
    private var closed = false
    /// Time from a message's queuing to its bytes reaching the kernel, for every message
    /// written on this loop. Recorded once per flush batch, weighted by the messages in it:
    /// every message of a batch counts the wait of the batch's oldest.
    public var writeLatency = LatencyHistogram()
    /// Bytes queued on every connection of this loop and not yet taken by the kernel (the
    /// sum of their `bufferedBytes`): what a server-wide output budget is checked against.
    public internal(set) var queuedOutputBytes = 0
    /// When the current callback started (monotonic ns): what caused a write — a read, a
    /// timer — is where its publish→write latency is measured from.
    public private(set) var turnStart: UInt64 = SystemClock.monotonicNanoseconds

    @inline(__always)
    public func markTurnStart() {
        turnStart = SystemClock.monotonicNanoseconds
    }

    public init(readBufferSize: Int = 64 * 1024) throws(LoopError) {
        raw = .allocate(capacity: 1)
        let rc = uv_loop_init(raw)
        guard rc == 0 else {
            raw.deallocate()
            throw LoopError(rc, "uv_loop_init")
        }
        readBuffer = .allocate(byteCount: readBufferSize, alignment: 16)
        flushHandle = .allocate(capacity: 1)
        spinHandle = .allocate(capacity: 1)
        executor = LoopExecutor()
        raw.pointee.data = Unmanaged.passUnretained(self).toOpaque()

        uv_prepare_init(raw, flushHandle)
        flushHandle.pointee.data = raw.pointee.data
        // Writes queued during a loop turn go out together right before the loop blocks:
        // one send per connection per turn however many messages it was sent.
        uv_prepare_start(flushHandle) { handle in
            EventLoop.from(handle!.pointee.loop).flushAtTurnEnd()
        }
        uv_unref(wd_handle(flushHandle))
        uv_idle_init(raw, spinHandle)
        uv_unref(wd_handle(spinHandle))

        uv_async_init(raw, executor.wakeHandle) { handle in
            let loop = EventLoop.from(handle!.pointee.loop)
            loop.markTurnStart()
            loop.executor.runPending()
        }
        executor.wakeHandle.pointee.data = raw.pointee.data
        uv_unref(wd_handle(executor.wakeHandle))
    }

    deinit {
        readBuffer.deallocate()
        dirty.deallocate()
        flushing.deallocate()
        deferred.deallocate()
        flushingDeferred.deallocate()
    }

    static func from(_ loop: UnsafeMutablePointer<uv_loop_t>!) -> EventLoop {
        Unmanaged<EventLoop>.fromOpaque(loop.pointee.data).takeUnretainedValue()
    }

    /// Runs until `stop()` or until no handle keeps the loop alive.
    public func run() {
        uv_run(raw, UV_RUN_DEFAULT)
    }

    /// Runs one turn without blocking (tests and shutdown drains).
    @discardableResult
    public func runOnce(block: Bool = false) -> Bool {
        uv_run(raw, block ? UV_RUN_ONCE : UV_RUN_NOWAIT) != 0
    }

    public func stop() {
        uv_stop(raw)
    }

    /// Closes every handle and frees the loop. Connections still open are closed abruptly.
    public func close() {
        guard !closed else { return }
        closed = true
        executor.shutDown()
        sweepTimer = nil
        uv_walk(raw, { handle, _ in
            if uv_is_closing(handle) == 0 {
                uv_close(handle, nil)
                TCPConnection.closeSocket(ofClosingHandle: handle!)
            }
        }, nil)
        while uv_run(raw, UV_RUN_NOWAIT) != 0 {}
        uv_loop_close(raw)
        flushHandle.deallocate()
        spinHandle.deallocate()
        executor.wakeHandle.deallocate()
        raw.deallocate()
    }

    // MARK: Batched writes

    /// Minimum time between two flushes of *deferrable* writes (broadcasts), in
    /// nanoseconds. 0 flushes everything at the end of every loop turn (lowest latency). A
    /// window lets several broadcast messages share one `sendmsg` per connection: on loopback
    /// a write costs the sender ~6.5 µs of kernel time whatever its size (`bench floor`), so batching is what
    /// brings the CPU per delivered message down, at the price of up to the window in
    /// latency. Direct answers (pongs, acks, errors) are never deferred.
    public var flushInterval: UInt64 = 0 {
        didSet { if flushInterval == 0 { flushTimer = nil } }
    }
    private var deferred = FlushList()
    private var lastDeferredFlush: UInt64 = 0
    private var flushTimer: LoopTimer?

    private func flushAtTurnEnd() {
        if let work = turnEndWork {
            let more = work()
            if more != spinning {
                spinning = more
                if more { uv_idle_start(spinHandle) { _ in } } else { uv_idle_stop(spinHandle) }
            }
        }
        flushDirty()
        turn &+= 1
        guard !deferred.isEmpty else { return }
        let now = SystemClock.monotonicNanoseconds
        if now &- lastDeferredFlush >= flushInterval {
            flushDeferred()
            return
        }
        if flushTimer == nil {
            flushTimer = LoopTimer(loop: self) { [unowned self] in self.flushDeferred() }
        }
        if !flushTimer!.isActive {
            let waitMilliseconds = max(1, (flushInterval - (now &- lastDeferredFlush) + 999_999) / 1_000_000)
            flushTimer!.start(afterMilliseconds: waitMilliseconds)
        }
    }

    @inline(__always)
    func markDirty(_ connection: TCPConnection) {
        if dirty.isEmpty { dirtySince = turnStart }
        connection.listings &+= 1
        dirty.append(connection)
    }

    func markDeferred(_ connection: TCPConnection) {
        if deferred.isEmpty { deferredSince = turnStart }
        connection.listings &+= 1
        deferred.append(connection)
    }

    private var deferredSince: UInt64 = 0
    /// Counts loop turns (one per `flushAtTurnEnd`): a connection that wrote a broadcast
    /// through in this turn carries it (`TCPConnection.writtenThroughTurn`) instead of being
    /// listed, so its further writes of the turn queue and leave together at its end.
    private(set) var turn: UInt32 = 0
    /// Broadcasts sent during this turn's fan-out (`TCPConnection.writeThrough`), counted
    /// into the write-latency histogram with the turn's flush.
    private var writtenThrough = 0
    private var writtenThroughSince: UInt64 = 0

    @inline(__always)
    func countWrittenThrough() {
        if writtenThrough == 0 { writtenThroughSince = turnStart }
        writtenThrough &+= 1
    }
    private var flushingDeferred = FlushList()
    private var walkingDirty = false

    private func flushDeferred() {
        lastDeferredFlush = SystemClock.monotonicNanoseconds
        flushTimer?.stop()
        guard !deferred.isEmpty else { return }
        swap(&deferred, &flushingDeferred)
        let written = Self.flush(flushingDeferred, deferred: true)
        flushingDeferred.clear()
        writeLatency.record(lastDeferredFlush &- deferredSince, count: UInt64(written))
    }

    /// Writes everything queued this turn. Also called directly when a caller needs bytes on
    /// the wire before it returns to the loop.
    public func flushDirty() {
        // Not from inside a walk (a drain callback): the list being walked must not be
        // swapped back and grown under it; what is dirty then goes at the turn's end.
        guard !walkingDirty else { return }
        guard !dirty.isEmpty else {
            if writtenThrough > 0 { recordWrittenThrough(now: SystemClock.monotonicNanoseconds) }
            return
        }
        walkingDirty = true
        defer { walkingDirty = false }
        // Double-buffered: no copy of the list and no allocation per turn.
        swap(&dirty, &flushing)
        let written = Self.flush(flushing, deferred: false)
        flushing.clear()
        let now = SystemClock.monotonicNanoseconds
        writeLatency.record(now &- dirtySince, count: UInt64(written))
        if writtenThrough > 0 { recordWrittenThrough(now: now) }
    }

    /// The turn's written-through broadcasts, timed like a flush batch: from the turn's
    /// start to the turn's flush.
    private func recordWrittenThrough(now: UInt64) {
        writeLatency.record(now &- writtenThroughSince, count: UInt64(writtenThrough))
        writtenThrough = 0
    }

    /// Gives back write-batch storage sized for a crowd that has gone: `clear` keeps a list's
    /// storage while the batch used an eighth of it, so the turn in which 10,000 leaving
    /// connections wrote their close frames leaves two lists of 16,384 slots (128 KiB each)
    /// that no later turn shrinks if no writes follow. The server calls this when it trims
    /// the heap after a crowd left; the lists are empty between turns.
    public func releaseSpareBatchStorage() {
        dirty.releaseSpareStorage()
        flushing.releaseSpareStorage()
        deferred.releaseSpareStorage()
        flushingDeferred.releaseSpareStorage()
    }

    /// Flushes each connection of a batch; returns the buffers written. Each entry is
    /// unlisted as it is walked; a connection whose handle closed while it was listed gets
    /// its last reference released here, once no list holds it any more.
    private static func flush(_ batch: FlushList, deferred: Bool) -> Int {
        var written = 0
        for i in 0..<batch.count {
            let entry = batch[i]
            var release = false
            written += entry._withUnsafeGuaranteedRef { c in
                c.listings &-= 1
                if deferred { c.isDeferred = false }
                release = c.listings == 0 && c.closedWhileListed
                return c.flush()
            }
            if release { entry.release() }
        }
        return written
    }

    // MARK: Cross-thread wake-ups

    /// Runs `body` on the loop thread (see `LoopExecutor`).
    public func execute(_ body: @escaping @Sendable () -> Void) {
        executor.execute(body)
    }

    // MARK: Sweep timer

    /// Registers a callback for the loop's single sweep timer, which fires every
    /// `interval` and carries every timeout of the server (handshake, idle, pings, rooms).
    @discardableResult
    public func addSweeper(intervalMilliseconds: UInt64 = 1000, _ body: @escaping (UInt64) -> Void) -> Int {
        if sweepTimer == nil {
            let timer = LoopTimer(loop: self) { [unowned self] in
                let now = SystemClock.monotonicNanoseconds
                for s in self.sweepers { s.body(now) }
            }
            timer.start(afterMilliseconds: intervalMilliseconds, repeatMilliseconds: intervalMilliseconds)
            timer.unref()
            sweepTimer = timer
        }
        nextSweeperID += 1
        sweepers.append((nextSweeperID, body))
        return nextSweeperID
    }

    public func removeSweeper(_ id: Int) {
        sweepers.removeAll { $0.id == id }
    }
}
