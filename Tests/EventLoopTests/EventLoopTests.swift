import ByteStorage
import EventLoop
import Foundation
import Synchronization
import Testing

/// The loop's own services: cross-thread wake-ups, the thread pool, timers, batched writes.
@Suite struct EventLoopTests {
    @Test func executeRunsClosuresFromOtherThreadsOnTheLoopThread() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let loopThread = pthread_self()
        let ran = Mutex(0)
        let onLoop = Mutex(true)
        let executor = loop.executor
        for _ in 0..<4 {
            Thread.detachNewThread {
                for _ in 0..<250 {
                    executor.execute {
                        ran.withLock { $0 += 1 }
                        if pthread_equal(pthread_self(), loopThread) == 0 { onLoop.withLock { $0 = false } }
                    }
                }
            }
        }
        #expect(runLoop(loop) { ran.withLock { $0 } == 1000 })
        #expect(onLoop.withLock { $0 })
    }

    @Test func submitRunsWorkOffTheLoopAndCompletesOnIt() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let loopThread = pthread_self()
        var results: [Int] = []
        var completionsOnLoop = true
        for i in 0..<8 {
            loop.submit(work: { () -> (Int, Bool) in
                (i * i, pthread_equal(pthread_self(), loopThread) == 0)
            }, then: { value, offLoop in
                #expect(offLoop, "work ran on the loop thread")
                if pthread_equal(pthread_self(), loopThread) == 0 { completionsOnLoop = false }
                results.append(value)
            })
        }
        #expect(runLoop(loop) { results.count == 8 })
        #expect(results.sorted() == [0, 1, 4, 9, 16, 25, 36, 49])
        #expect(completionsOnLoop)
    }

    @Test func sweepersRunOnTheSweepTimer() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        var sweeps = 0
        let id = loop.addSweeper(intervalMilliseconds: 10) { _ in sweeps += 1 }
        #expect(runLoop(loop) { sweeps >= 3 })
        loop.removeSweeper(id)
    }

    @Test func writesQueuedInOneTurnLeaveInOneWriteAndAreAllDelivered() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let sink = ByteSink()
        let (listener, client, accepted) = try #require(try connectedPair(loop: loop, sink: sink))
        defer { accepted.close() }
        let message = SharedBytes(Array("hello ".utf8))
        // The loop sends with send/sendmsg, which /proc's write counters do not see; with
        // TCP_NODELAY each send of a few hundred bytes leaves as one segment, so the
        // socket's data segments count the sends.
        client.setNoDelay(true)
        let segmentsBefore = try #require(client.dataSegmentsSent)
        for _ in 0..<100 { client.write(message) }
        #expect(client.bufferedBytes == 600, "queued, not yet written: the flush happens at the end of the turn")
        #expect(client.dataSegmentsSent == segmentsBefore, "nothing sent before the turn ends")
        #expect(runLoop(loop) { sink.received.count == 600 })
        #expect(try #require(client.dataSegmentsSent) - segmentsBefore == 1, "the 100 writes of one turn leave in one sendmsg")
        #expect(client.bufferedBytes == 0)
        #expect(sink.received == Array(String(repeating: "hello ", count: 100).utf8))
        // The count can tell: the same writes flushed one by one are (nearly all) segments of their own.
        let oneByOneBefore = try #require(client.dataSegmentsSent)
        for _ in 0..<100 {
            client.write(message)
            loop.flushDirty()
        }
        #expect(runLoop(loop) { sink.received.count == 1200 })
        #expect(try #require(client.dataSegmentsSent) - oneByOneBefore > 10, "100 flushes, 100 sends")
        client.close()
        listener.close()
    }

    @Test func aBroadcastToAnIdleConnectionLeavesAtOnceAndTheRestOfTheTurnTogether() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let sink = ByteSink()
        let (listener, client, accepted) = try #require(try connectedPair(loop: loop, sink: sink))
        defer { accepted.close() }
        client.setNoDelay(true)
        let message = SharedBytes(Array("hello ".utf8))
        let before = try #require(client.dataSegmentsSent)
        client.write(message, deferrable: true)
        #expect(client.dataSegmentsSent == before + 1, "the first broadcast of the turn is sent during the fan-out")
        #expect(client.bufferedBytes == 0)
        for _ in 0..<99 { client.write(message, deferrable: true) }
        #expect(client.dataSegmentsSent == before + 1, "the rest wait for the turn's end")
        #expect(client.bufferedBytes == 594)
        #expect(runLoop(loop) { sink.received.count == 600 })
        #expect(try #require(client.dataSegmentsSent) - before == 2, "two sends for the turn's 100 broadcasts")
        #expect(sink.received == Array(String(repeating: "hello ", count: 100).utf8))
        // A direct write is never sent through: it waits for the turn's end with whatever follows it.
        let direct = try #require(client.dataSegmentsSent)
        client.write(message)
        client.write(message, deferrable: true)
        #expect(client.dataSegmentsSent == direct)
        #expect(runLoop(loop) { sink.received.count == 612 })
        #expect(try #require(client.dataSegmentsSent) - direct == 1)
        client.close()
        listener.close()
    }

    @Test func aSecondListenerOnTheSamePortIsRefusedAsAddressInUse() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let first = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { $0.close() }
        defer { first.close() }
        do {
            _ = try TCPListener(loop: loop, host: "127.0.0.1", port: first.port) { $0.close() }
            Issue.record("the second listen succeeded")
        } catch {
            #expect(error.isAddressInUse, "\(error)")
            #expect(error.name == "EADDRINUSE")
            #expect(error.description == "listen on 127.0.0.1:\(first.port): address already in use")
        }
    }

    @Test func connectingWhereNothingListensIsRefused() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let port = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { $0.close() }.closedPort()
        var outcome: Result<TCPConnection, LoopError>?
        TCPConnection.connect(loop: loop, host: "127.0.0.1", port: port) { outcome = $0 }
        #expect(runLoop(loop) { outcome != nil })
        guard case .failure(let error) = outcome else {
            Issue.record("connected to a closed port")
            return
        }
        #expect(error.isConnectionRefused, "\(error)")
    }
}

extension TCPListener {
    /// Closes the listener and returns the port it had: a port nothing listens on.
    func closedPort() -> Int {
        let p = port
        close()
        return p
    }
}

/// Collects what a connection reads.
final class ByteSink: TCPConnectionHandler {
    var received: [UInt8] = []

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
        received.append(contentsOf: bytes)
    }

    func connectionDidClose(_ connection: TCPConnection) {}
}
