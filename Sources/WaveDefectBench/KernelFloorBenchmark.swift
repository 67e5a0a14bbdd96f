import Foundation
import Glibc

/// What the kernel alone charges a sender here: plain `write(2)` of a message to each of
/// N loopback TCP sockets per round, read back by a second thread with poll. No WebSocket,
/// no JSON, no event loop — the floor under any server's cost per delivered message on this
/// machine, at one message per write and at several.
public struct KernelFloorBenchmark {
    public var sockets = 1000
    public var rounds = 200
    public var messageBytes = 172
    /// Messages per write (batching).
    public var batch = 1
    /// Pause between rounds, as a publisher at a fixed rate would have.
    public var pauseMicroseconds: UInt32 = 5000

    public init() {}

    public struct Result {
        public var writes: Int
        public var messages: Int
        public var writerCPUSeconds: Double
        public var microsecondsPerWrite: Double { writerCPUSeconds * 1e6 / Double(writes) }
        public var microsecondsPerMessage: Double { writerCPUSeconds * 1e6 / Double(messages) }
    }

    public func run() throws -> Result {
        let (writers, readers) = try Self.socketPairs(sockets)
        defer {
            for fd in writers + readers { close(fd) }
        }
        let expected = sockets * rounds * messageBytes * batch
        let reader = Thread { Self.drain(readers, expected: expected) }
        reader.start()
        let message = [UInt8](repeating: 0x78, count: messageBytes * batch)
        let start = Self.threadCPUSeconds()
        for _ in 0..<rounds {
            for fd in writers {
                let n = message.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 { throw BenchError("write: errno \(errno)") }
            }
            if pauseMicroseconds > 0 { usleep(pauseMicroseconds) }
        }
        let cpu = Self.threadCPUSeconds() - start
        while !reader.isFinished { usleep(1000) }
        return Result(writes: sockets * rounds, messages: sockets * rounds * batch, writerCPUSeconds: cpu)
    }

    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Connected loopback TCP pairs: (server side, client side), TCP_NODELAY like the server.
    static func socketPairs(_ count: Int) throws -> ([Int32], [Int32]) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Bool in
                bind(listener, p, length) == 0 && listen(listener, 4096) == 0 && getsockname(listener, p, &length) == 0
            }
        }
        guard bound else { throw BenchError("listen: errno \(errno)") }
        var writers: [Int32] = []
        var readers: [Int32] = []
        var one: Int32 = 1
        for _ in 0..<count {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let ok = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) == 0 }
            }
            guard ok else { throw BenchError("connect: errno \(errno)") }
            let server = accept(listener, nil, nil)
            guard server >= 0 else { throw BenchError("accept: errno \(errno)") }
            setsockopt(server, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            writers.append(server)
            readers.append(client)
        }
        return (writers, readers)
    }

    static func drain(_ fds: [Int32], expected: Int) {
        var polled = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var total = 0
        while total < expected {
            let n = poll(&polled, nfds_t(polled.count), 2000)
            if n <= 0 { return }
            for i in polled.indices where polled[i].revents & Int16(POLLIN) != 0 {
                let r = buffer.withUnsafeMutableBytes { read(polled[i].fd, $0.baseAddress, $0.count) }
                if r > 0 { total += r }
            }
        }
    }
}
