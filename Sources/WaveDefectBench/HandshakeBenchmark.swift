import EventLoop
import Foundation
import TLSCore

/// New connections per second, each: TCP connect, the TLS handshake (full, no resumption)
/// when the server speaks TLS, one `GET /healthz` and the server's close. Beside the same
/// run without TLS it gives the price of a handshake in server CPU.
public struct HandshakeBenchmark {
    public var count = 2000
    public var concurrency = 32

    public init() {}

    public struct Result {
        public var connections: Int
        public var failures: Int
        public var seconds: Double
        public var serverCPUSeconds: Double
        public var perSecond: Double { Double(connections) / seconds }
        public var serverMicrosecondsPerConnection: Double { serverCPUSeconds * 1e6 / Double(connections) }
    }

    public func run(server: BenchServer) throws -> Result {
        let loop = try EventLoop()
        defer { loop.close() }
        ProcessLimits.raiseOpenFiles()
        var started = 0
        var finished = 0
        var failures = 0
        var failure: String?
        func startNext() {
            while started < count && started - finished < concurrency {
                started += 1
                let probe = HealthProbe { ok, why in
                    finished += 1
                    if !ok {
                        failures += 1
                        failure = why
                    }
                    startNext()
                }
                TCPConnection.connect(loop: loop, host: "127.0.0.1", port: server.port) { result in
                    guard case .success(let tcp) = result else {
                        probe.finish(false, "connect failed")
                        return
                    }
                    tcp.handler = probe
                    if let tls = server.tls {
                        guard let session = try? TLSConnection(context: tls, serverName: "127.0.0.1") else {
                            probe.finish(false, "no TLS session")
                            return tcp.close()
                        }
                        tcp.startTLS(session)
                    }
                    tcp.write(Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
                }
            }
        }
        let cpuStart = server.cpuSeconds()
        let start = Date()
        startNext()
        let deadline = start.addingTimeInterval(300)
        while finished < count && Date() < deadline {
            loop.runOnce(block: true)
        }
        let elapsed = Date().timeIntervalSince(start)
        let cpu = server.cpuSeconds() - cpuStart
        guard finished == count else { throw BenchError("only \(finished) of \(count) connections finished") }
        if failures * 100 > count { throw BenchError("\(failures) of \(count) connections failed; last: \(failure ?? "?")") }
        return Result(connections: count, failures: failures, seconds: elapsed, serverCPUSeconds: cpu)
    }
}

/// One connection of the handshake benchmark: succeeds when a 200 arrived before the close.
private final class HealthProbe: TCPConnectionHandler {
    private var head: [UInt8] = []
    private var done = false
    private let completion: (Bool, String) -> Void

    init(_ completion: @escaping (Bool, String) -> Void) {
        self.completion = completion
    }

    func finish(_ ok: Bool, _ why: String) {
        guard !done else { return }
        done = true
        completion(ok, why)
    }

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
        if head.count < 16 { head += bytes.prefix(16 - head.count) }
    }

    func connectionDidClose(_ connection: TCPConnection) {
        let ok = head.starts(with: Array("HTTP/1.1 200".utf8))
        finish(ok, ok ? "" : connection.tls?.failure?.message ?? "no 200: \(String(decoding: head, as: UTF8.self))")
    }
}
