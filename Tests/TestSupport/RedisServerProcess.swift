import Foundation
import Glibc

/// A real `redis-server` (Debian's package) on a free loopback port, nothing persisted unless
/// `extraArguments` asks for it, killed when dropped (or when the test run ends: it is one of
/// `ChildProcesses`). `stop()` and `start()` take it down and bring it back on the same port —
/// empty, as an outage does. Both the loop-level Redis tests and the cluster integration tests
/// start theirs from here.
public final class RedisServerProcess: @unchecked Sendable {
    public let port: Int
    public let extraArguments: [String]
    private var process: Process?

    public init(extraArguments: [String] = []) throws {
        port = FreePort.next()
        self.extraArguments = extraArguments
        try start()
    }

    deinit {
        stop()
    }

    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Starts the server and returns once it answers (a `-NOAUTH` error is an answer too), or
    /// after 10 s.
    public func start() throws {
        guard process == nil else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        p.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"] + extraArguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        ChildProcesses.register(p.processIdentifier)
        process = p
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, command("PING") == nil { Thread.sleep(forTimeInterval: 0.02) }
    }

    /// SIGKILL, as a crash or an outage would.
    public func stop() {
        guard let p = process else { return }
        process = nil
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        ChildProcesses.forget(p.processIdentifier)
    }

    /// Sends `signal` to the server: `SIGSTOP` makes it stop answering while its connections
    /// stay open (a Redis that hangs), `SIGCONT` lets it go on.
    public func signal(_ signal: Int32) {
        guard let p = process else { return }
        kill(p.processIdentifier, signal)
    }

    /// One inline command (RESP's inline form: words separated by spaces) on a fresh connection;
    /// the raw reply bytes, nil when Redis does not answer within 2 s.
    public func command(_ line: String) -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return nil }
        let request = Array((line + "\r\nQUIT\r\n").utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            reply += buffer[0..<n]
        }
        return reply.isEmpty ? nil : reply
    }

    /// `GET key` as text; nil for a missing key (or no answer).
    public func get(_ key: String) -> String? {
        guard let reply = command("GET \(key)"), reply.first == UInt8(ascii: "$") else { return nil }
        let lines = String(decoding: reply, as: UTF8.self).components(separatedBy: "\r\n")
        guard lines.count >= 2, lines[0] != "$-1" else { return nil }
        return lines[1]
    }
}

/// Loopback TCP ports for test servers.
public enum FreePort {
    /// A port nothing listens on now (bound to port 0 and released).
    public static func next() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
