import CLibUV

/// A listening socket. Each accepted connection is handed to `onAccept`, which must attach a
/// handler; reading starts when it returns.
public final class TCPListener {
    public let loop: EventLoop
    private let handle: UnsafeMutablePointer<uv_tcp_t>
    private let onAccept: (TCPConnection) -> Void
    public private(set) var port: Int = 0
    private var closed = false

    public init(loop: EventLoop, host: String, port: Int, backlog: Int32 = 1024, onAccept: @escaping (TCPConnection) -> Void) throws(LoopError) {
        self.loop = loop
        self.onAccept = onAccept
        handle = .allocate(capacity: 1)
        uv_tcp_init(loop.raw, handle)
        handle.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        var address = try SocketAddress.make(host: host, port: port)
        var rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_bind(handle, $0, 0) }
        }
        if rc == 0 {
            rc = uv_listen(wd_stream(handle), backlog) { server, status in
                guard status == 0 else { return }
                Unmanaged<TCPListener>.fromOpaque(server!.pointee.data).takeUnretainedValue().accept()
            }
        }
        guard rc == 0 else {
            uv_close(wd_handle(handle)) { $0?.deallocate() }
            throw LoopError(rc, "listen on \(host):\(port)")
        }
        var bound = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getsockname(handle, $0, &length) }
        }
        let description = SocketAddress.describe(&bound)
        self.port = Int(description.split(separator: ":").last.flatMap { Int($0) } ?? port)
    }

    deinit {
        close()
    }

    /// Stops accepting; established connections are not affected.
    public func close() {
        guard !closed else { return }
        closed = true
        if uv_is_closing(wd_handle(handle)) == 0 {
            uv_close(wd_handle(handle)) { $0?.deallocate() }
        }
    }

    /// libuv accepted a socket (`accept4`, non-blocking): it becomes a connection with a poll
    /// handle of its own (`TCPConnection`), not a second `uv_tcp_t`.
    private func accept() {
        let socket = wd_take_accepted_fd(wd_stream(handle))
        guard socket >= 0, let connection = TCPConnection(loop: loop, socket: socket) else { return }
        connection.setNoDelay(true)
        onAccept(connection)
        if connection.handler != nil && !connection.isClosing {
            connection.startReading()
        } else {
            connection.close()
        }
    }
}
