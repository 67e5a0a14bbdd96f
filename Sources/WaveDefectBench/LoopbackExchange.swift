import Foundation

/// One request to a loopback port on a fresh blocking socket, and its answer: how the
/// benchmarks talk to their Redis (`RedisBenchProcess.command`) and read a node's `/metrics`
/// (`ClusterConnectionsBenchmark.metrics`) from outside any event loop. A receive timeout
/// bounds a peer that never answers.
enum LoopbackExchange {
    /// The answer (nil: no socket, no connection, the request not sent, or nothing came
    /// back). `untilClosed` reads until the peer closes (an HTTP `Connection: close`
    /// answer); otherwise one read is the answer (a short RESP reply).
    static func send(_ request: [UInt8], port: Int, timeoutSeconds: Int, untilClosed: Bool) -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = RedisBenchProcess.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return nil }
        guard request.withUnsafeBytes({ Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: untilClosed ? 65536 : 4096)
        repeat {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[0..<n]
        } while untilClosed
        return response.isEmpty ? nil : response
    }
}
