import Foundation

/// The hand-off between whoever receives a live stream's bytes (the producer: an agent fed by
/// the room) and the thread demuxing and decoding them (the consumer: FFmpeg reading through
/// a custom `AVIOContext`). FFmpeg's demuxers pull bytes and cannot resume in the middle of an
/// element after a short read, so the consumer's read *waits* for more bytes instead of
/// reporting the end; the producer, after each write, waits until the consumer has used
/// every byte and is waiting again, then collects the samples they completed. Decoding stays
/// incremental (nothing is re-read) and each write's result is deterministic.
final class StreamPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var input: [UInt8] = []
    private var readOffset = 0
    /// The producer will write no more: reads past the last byte report the end.
    private var ended = false
    /// The consumer is blocked in `read` with nothing left to read.
    private var starving = false
    /// The consumer thread has finished (end of stream or failure).
    private var done = false
    private var output: [Float] = []
    private var failure: AudioDecodingError?

    // MARK: Producer side

    /// Appends `bytes`, waits (at most `timeout` seconds) until the consumer has used them,
    /// and returns the samples decoded since the last call.
    /// More than `maxPending` bytes waiting means the consumer is stuck: refused.
    func write(_ bytes: UnsafeRawBufferPointer, timeout: Double, maxPending: Int) throws(AudioDecodingError) -> [Float] {
        condition.lock()
        defer { condition.unlock() }
        if readOffset > 0 {
            input.removeFirst(readOffset)
            readOffset = 0
        }
        guard input.count + bytes.count <= maxPending else {
            throw .tooLarge("\(input.count + bytes.count) bytes waiting for the decoder, limit \(maxPending)")
        }
        input.append(contentsOf: bytes)
        condition.broadcast()
        waitForConsumer(timeout: timeout)
        return try takeOutput()
    }

    /// No more bytes: lets the consumer finish and returns its last samples.
    func end(timeout: Double) throws(AudioDecodingError) -> [Float] {
        condition.lock()
        defer { condition.unlock() }
        ended = true
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !done, condition.wait(until: deadline) {}
        return try takeOutput()
    }

    /// Ends the stream without waiting (the producer is going away).
    func abandon() {
        condition.lock()
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    private func waitForConsumer(timeout: Double) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !done, !(starving && readOffset == input.count) {
            if !condition.wait(until: deadline) { return }
        }
    }

    private func takeOutput() throws(AudioDecodingError) -> [Float] {
        if let failure, output.isEmpty { throw failure }
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    // MARK: Consumer side

    /// Copies up to `count` bytes, waiting while there are none; 0 at the end of the stream.
    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while readOffset == input.count, !ended {
            starving = true
            condition.broadcast()
            condition.wait()
        }
        starving = false
        let n = min(count, input.count - readOffset)
        guard n > 0 else { return 0 }
        input.withUnsafeBufferPointer { src in buffer.update(from: src.baseAddress! + readOffset, count: n) }
        readOffset += n
        return n
    }

    func emit(_ samples: [Float]) {
        guard !samples.isEmpty else { return }
        condition.lock()
        output.append(contentsOf: samples)
        condition.unlock()
    }

    /// The consumer is done; `error` is kept and thrown to the producer.
    func finish(_ error: AudioDecodingError?) {
        condition.lock()
        done = true
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }
}
