import CLibUV

extension TCPConnection {
    /// Opens an outgoing connection (bots, benchmarks, webhooks' peers in tests). The handler
    /// must be set in `completion`; reading starts when it returns. `source`: the local address
    /// to connect from (a load generator spreads tens of thousands of connections over
    /// 127.0.0.x, since each source address has only the ephemeral port range to give).
    public static func connect(
        loop: EventLoop, host: String, port: Int, source: String? = nil, completion: @escaping (Result<TCPConnection, LoopError>) -> Void
    ) {
        let connection = TCPConnection(loop: loop)
        var address: sockaddr_storage
        do throws(LoopError) {
            address = try SocketAddress.make(host: host, port: port)
            if let source {
                var local = try SocketAddress.make(host: source, port: 0)
                let rc = withUnsafeMutablePointer(to: &local) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_bind(connection.handle, $0, 0) }
                }
                if rc != 0 { throw LoopError(rc, "bind to \(source)") }
            }
        } catch {
            connection.close()
            completion(.failure(error))
            return
        }
        let request = ConnectRequest(connection: connection, completion: completion)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { addr in
                uv_tcp_connect(request.request, connection.handle, addr) { req, status in
                    let me = Unmanaged<ConnectRequest>.fromOpaque(req!.pointee.data).takeRetainedValue()
                    me.finish(status)
                }
            }
        }
        if rc != 0 {
            Unmanaged<ConnectRequest>.fromOpaque(request.request.pointee.data).release()
            connection.close()
            completion(.failure(LoopError(rc, "connect to \(host):\(port)")))
        }
    }
}

/// A `uv_connect_t` in flight, owning its completion.
private final class ConnectRequest {
    let request: UnsafeMutablePointer<uv_connect_t> = .allocate(capacity: 1)
    let connection: TCPConnection
    let completion: (Result<TCPConnection, LoopError>) -> Void

    init(connection: TCPConnection, completion: @escaping (Result<TCPConnection, LoopError>) -> Void) {
        self.connection = connection
        self.completion = completion
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    deinit {
        request.deallocate()
    }

    func finish(_ status: Int32) {
        guard status == 0 else {
            connection.close()
            completion(.failure(LoopError(status, "connect")))
            return
        }
        connection.setNoDelay(true)
        completion(.success(connection))
        if connection.handler != nil && !connection.isClosing {
            connection.startReading()
        } else {
            connection.close()
        }
    }
}
