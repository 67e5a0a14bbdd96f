import COpenSSL
import Foundation
import Glibc

/// A blocking TCP client socket with timeouts, for driving the server byte by byte.
final class TestSocket {
    let fd: Int32
    private(set) var peerClosed = false
    /// The connection ended with a reset (ECONNRESET), not an orderly FIN.
    private(set) var wasReset = false
    /// Bytes read past the end of the last response, served before the socket is read again.
    var pending: [UInt8] = []
    /// The OpenSSL session when the socket speaks TLS (`tls:` given).
    private(set) var ssl: OpaquePointer?

    struct Timeout: Error {}
    struct SocketError: Error, CustomStringConvertible {
        let what: String
        var description: String { what }
    }

    /// How long a read waits for an answer the test is sure will come (an ack, a pong, a
    /// close). Only a failing test ever waits this long, so it is generous: the machine may be
    /// shared and loaded. Tests that measure time pass their own timeouts.
    static let defaultTimeout: Double = 20

    /// `source` binds the client to that local address first (127.0.0.2, …), so tests of the
    /// per-address limits can be distinct clients.
    init(port: Int, host: String = "127.0.0.1", tls: TestTLS? = nil, source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(what: "socket: \(errno)") }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, source, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                Glibc.close(fd)
                throw SocketError(what: "bind to \(source): errno \(errno)")
            }
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            Glibc.close(fd)
            throw SocketError(what: "connect to \(port): errno \(errno)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if let tls {
            do {
                ssl = try tls.connect(fd: fd, host: host)
            } catch {
                Glibc.close(fd)
                throw error
            }
        }
    }

    deinit {
        if let ssl { SSL_free(ssl) }
        Glibc.close(fd)
    }

    func markReset() {
        peerClosed = true
        wasReset = true
    }

    func send(_ bytes: [UInt8]) throws {
        if let ssl { return try tlsSend(ssl, bytes) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketError(what: "send: errno \(errno)")
            }
            offset += n
        }
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Waits up to `timeout` seconds for bytes; returns an empty array when the peer closed.
    func receive(timeout: Double, max: Int = 65536) throws -> [UInt8] {
        if !pending.isEmpty {
            defer { pending = [] }
            return pending
        }
        if let ssl, SSL_pending(ssl) > 0 { return tlsReceive(ssl, max: max) }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, Int32(timeout * 1000))
        if ready == 0 { throw Timeout() }
        if let ssl {
            let bytes = tlsReceive(ssl, max: max)
            if bytes.isEmpty { peerClosed = true }
            return bytes
        }
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        if n < 0 {
            if errno == ECONNRESET {
                peerClosed = true
                wasReset = true
                return []
            }
            throw SocketError(what: "recv: errno \(errno)")
        }
        if n == 0 { peerClosed = true }
        return Array(buffer[0..<n])
    }

    /// Reads until the peer closes, or the timeout; returns everything read.
    func readUntilClosed(timeout: Double) -> [UInt8] {
        var all: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let chunk = try? receive(timeout: max(0.01, deadline.timeIntervalSinceNow)) else { break }
            if chunk.isEmpty { break }
            all += chunk
        }
        return all
    }

    /// Half-closes (FIN) without closing the descriptor.
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes with RST instead of FIN: a connection that vanishes.
    func abort() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        shutdown(fd, Int32(SHUT_RDWR))
    }
}

/// A parsed HTTP response.
struct TestHTTPResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

extension TestSocket {
    /// Reads one HTTP response (head, then a Content-Length body unless `headOnly`).
    /// Bytes after it stay pending for the next read and are also returned as `rest`.
    func readResponse(timeout: Double = TestSocket.defaultTimeout, headOnly: Bool = false) throws -> (TestHTTPResponse, rest: [UInt8]) {
        var data: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var headEnd: Int?
        while headEnd == nil {
            let chunk = try receive(timeout: max(0.01, deadline.timeIntervalSinceNow))
            if chunk.isEmpty { throw SocketError(what: "connection closed before a response; got \(String(decoding: data, as: UTF8.self))") }
            data += chunk
            if let r = data.firstRange(of: Array("\r\n\r\n".utf8)) { headEnd = r.upperBound }
        }
        let head = String(decoding: data[0..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst().split(separator: " ")
        let status = Int(statusLine[1]) ?? 0
        let headers = lines.map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        var rest = Array(data[headEnd!...])
        var response = TestHTTPResponse(status: status, headers: headers, body: [])
        if !headOnly && status != 101, let length = response.header("Content-Length").flatMap(Int.init) {
            while rest.count < length {
                let chunk = try receive(timeout: max(0.01, deadline.timeIntervalSinceNow))
                if chunk.isEmpty { break }
                rest += chunk
            }
            response.body = Array(rest.prefix(length))
            rest = Array(rest.dropFirst(length))
        }
        pending = rest
        return (response, rest)
    }

    /// One request on a fresh connection.
    static func request(port: Int, _ text: String, timeout: Double = TestSocket.defaultTimeout) throws -> TestHTTPResponse {
        let s = try TestSocket(port: port)
        try s.send(text)
        return try s.readResponse(timeout: timeout).0
    }

    static func get(port: Int, _ path: String, headers: String = "") throws -> TestHTTPResponse {
        try request(port: port, "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\(headers)Connection: close\r\n\r\n")
    }
}
