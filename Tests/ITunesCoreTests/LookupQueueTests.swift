import ITunesCore
import Testing

@Suite struct LookupQueueTests {
    let second: UInt64 = 1_000_000_000

    func queue(_ change: (inout LookupQueue<String>.Configuration) -> Void = { _ in }) -> LookupQueue<String> {
        var c = LookupQueue<String>.Configuration()
        change(&c)
        return LookupQueue(configuration: c)
    }

    @Test func aKeyIsNeverLookedUpTwiceAtOnce() {
        var q = queue()
        #expect(q.enqueue("a", now: 0) == .queued(ahead: 0))
        #expect(q.enqueue("b", now: 0) == .queued(ahead: 1))
        #expect(q.enqueue("a", now: 0) == .alreadyQueued)
        #expect(q.next() == "a")
        #expect(q.enqueue("a", now: 0) == .running)
        q.finish("a", matched: true, now: 0)
        #expect(q.enqueue("a", now: 0) == .queued(ahead: 1))
    }

    @Test func theQueueIsBounded() {
        var q = queue { $0.maxQueued = 2 }
        #expect(q.enqueue("a", now: 0) == .queued(ahead: 0))
        #expect(q.enqueue("b", now: 0) == .queued(ahead: 1))
        #expect(q.enqueue("c", now: 0) == .full)
        #expect(q.next() == "a")
        #expect(q.enqueue("c", now: 0) == .queued(ahead: 1))
        #expect(q.waitingCount == 2)
    }

    @Test func atMostMaxConcurrentRunInArrivalOrder() {
        var q = queue { $0.maxConcurrent = 1 }
        for k in ["a", "b", "c"] { _ = q.enqueue(k, now: 0) }
        #expect(q.next() == "a")
        #expect(q.next() == nil)
        q.finish("a", matched: true, now: 0)
        #expect(q.next() == "b")
        q.finish("b", matched: true, now: 0)
        #expect(q.next() == "c")
        #expect(q.next() == nil)
        #expect(q.running == ["c"])
    }

    @Test func callsArePacedToTheRate() {
        var q = queue()  // 20 a minute: one slot every 3 s
        #expect(q.configuration.callInterval == 3 * second)
        #expect(q.reserveCall(now: 0) == 0)
        #expect(q.reserveCall(now: 0) == 3 * second)
        #expect(q.reserveCall(now: 1 * second) == 6 * second)
        // After a quiet spell the next call goes at once, without a burst owed.
        #expect(q.reserveCall(now: 100 * second) == 100 * second)
        #expect(q.reserveCall(now: 100 * second) == 103 * second)
        var fast = queue { $0.callsPerMinute = 600 }
        #expect(fast.configuration.callInterval == second / 10)
        #expect(fast.reserveCall(now: 5) == 5)
        #expect(fast.reserveCall(now: 5) == 5 + second / 10)
        #expect(queue { $0.callsPerMinute = 0 }.configuration.callInterval == 60 * second)
    }

    @Test func unmatchedKeysAreRefusedForAWhile() {
        var q = queue { $0.unmatchedMemorySeconds = 3600 }
        _ = q.enqueue("a", now: 0)
        _ = q.next()
        q.finish("a", matched: false, now: 10 * second)
        #expect(q.enqueue("a", now: 11 * second) == .recentlyUnmatched)
        #expect(q.enqueue("a", now: 3609 * second) == .recentlyUnmatched)
        #expect(q.enqueue("a", now: 3610 * second) == .queued(ahead: 0))
        // A finish for a key that is not running changes nothing.
        q.finish("zzz", matched: false, now: 0)
        #expect(q.enqueue("zzz", now: 0) == .queued(ahead: 1))
    }

    @Test func theUnmatchedMemoryIsBounded() {
        var q = queue { $0.maxUnmatchedRemembered = 2; $0.maxConcurrent = 3 }
        for k in ["a", "b", "c"] { _ = q.enqueue(k, now: 0) }
        for (i, k) in ["a", "b", "c"].enumerated() {
            #expect(q.next() == k)
            q.finish(k, matched: false, now: UInt64(i) * second)
        }
        // "a", the oldest, was forgotten to make room for "c".
        #expect(q.enqueue("a", now: 3 * second) == .queued(ahead: 0))
        #expect(q.enqueue("b", now: 3 * second) == .recentlyUnmatched)
        #expect(q.enqueue("c", now: 3 * second) == .recentlyUnmatched)
    }

    @Test func drainReturnsWhatWaited() {
        var q = queue { $0.maxConcurrent = 1 }
        for k in ["a", "b", "c"] { _ = q.enqueue(k, now: 0) }
        #expect(q.next() == "a")
        #expect(q.drain() == ["b", "c"])
        #expect(q.waitingCount == 0 && q.next() == nil)
        #expect(q.enqueue("b", now: 0) == .queued(ahead: 0))
    }

    @Test func aLongQueueStaysInOrderAcrossCompaction() {
        var q = queue { $0.maxConcurrent = 1; $0.maxQueued = 1000 }
        for i in 0..<300 { _ = q.enqueue("k\(i)", now: 0) }
        for i in 0..<300 {
            #expect(q.next() == "k\(i)")
            q.finish("k\(i)", matched: true, now: 0)
        }
        #expect(q.next() == nil)
    }
}
