import CLibUV

extension TCPConnection {
    /// Opens an outgoing connection (bots, benchmarks, webhooks' peers in tests). The handler
    /// must be set in `completion`; reading starts when it returns. `source`: the local address
    /// to connect from (a load generator spreads tens of thousands of connections over
    /// 127.0.0.x, since each source address has only the ephemeral port range to give).
    ///
    /// A non-blocking `connect` on a socket of our own, watched by the connection's poll
    /// handle until it is writable, which is when the connect has finished (`SO_ERROR` says
    /// how) — what `uv_tcp_connect` does on a stream handle.
    public static func connect(
        loop: EventLoop, host: String, port: Int, source: String? = nil, completion: @escaping (Result<TCPConnection, LoopError>) -> Void
    ) {
        var address: sockaddr_storage
        var local: sockaddr_storage?
        do throws(LoopError) {
            address = try SocketAddress.make(host: host, port: port)
            if let source { local = try SocketAddress.make(host: source, port: 0) }
        } catch {
            completion(.failure(error))
            return
        }
        var bindFailed: Int32 = 0
        let socket = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { remote in
                guard var local else { return wd_connect_socket(remote, nil, &bindFailed) }
                return withUnsafePointer(to: &local) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { wd_connect_socket(remote, $0, &bindFailed) }
                }
            }
        }
        guard socket >= 0 else {
            let operation = bindFailed != 0 ? "bind to \(source ?? "")" : "connect to \(host):\(port)"
            completion(.failure(LoopError(socket, operation)))
            return
        }
        guard let connection = TCPConnection(loop: loop, socket: socket) else {
            completion(.failure(LoopError(UV_EEXIST.rawValue, "connect to \(host):\(port)")))
            return
        }
        let request = ConnectRequest(completion: completion)
        connection.handle.pointee.write = Unmanaged.passRetained(request).toOpaque()
        connection.isConnecting = true
        connection.updatePoll()
    }

    /// The connect finished (`status` 0) or failed: the handler's owner hears which.
    func finishConnecting(_ status: Int32) {
        guard let request = takeConnectRequest() else { return }
        updatePoll()
        guard status == 0 else {
            close()
            request.completion(.failure(LoopError(status, "connect")))
            return
        }
        setNoDelay(true)
        request.completion(.success(self))
        if handler != nil && !isClosing {
            startReading()
        } else {
            close()
        }
    }

    /// Closed before the connect finished (the loop's teardown): the completion hears it was
    /// cancelled, as with a closed `uv_tcp_t`.
    func abandonConnect() {
        guard let request = takeConnectRequest() else { return }
        request.completion(.failure(LoopError(UV_ECANCELED.rawValue, "connect")))
    }

    private func takeConnectRequest() -> ConnectRequest? {
        guard isConnecting, let raw = handle.pointee.write else { return nil }
        handle.pointee.write = nil
        isConnecting = false
        return Unmanaged<ConnectRequest>.fromOpaque(raw).takeRetainedValue()
    }
}

/// A connect in flight, owning its completion (in the socket handle's spare word meanwhile).
private final class ConnectRequest {
    let completion: (Result<TCPConnection, LoopError>) -> Void

    init(completion: @escaping (Result<TCPConnection, LoopError>) -> Void) {
        self.completion = completion
    }
}
