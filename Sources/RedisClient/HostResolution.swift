import CLibUV
import EventLoop
import Glibc

/// One name lookup on libuv's thread pool (`uv_getaddrinfo`): hiredis's own connect calls
/// `getaddrinfo` on the calling thread, which would block the loop for a host name, so the
/// name is resolved here first and hiredis is handed the address.
final class HostResolution {
    private let request = UnsafeMutablePointer<uv_getaddrinfo_t>.allocate(capacity: 1)
    private var completion: ((Result<String, RedisError>) -> Void)?

    private init(_ completion: @escaping (Result<String, RedisError>) -> Void) {
        self.completion = completion
    }

    /// Starts the lookup; `completion` runs on the loop thread unless `cancel()` came first.
    static func start(loop: EventLoop, host: String, port: Int, _ completion: @escaping (Result<String, RedisError>) -> Void) -> HostResolution {
        let resolution = HostResolution(completion)
        resolution.request.pointee.data = Unmanaged.passRetained(resolution).toOpaque()
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        let rc = uv_getaddrinfo(loop.raw, resolution.request, { request, status, result in
            let me = Unmanaged<HostResolution>.fromOpaque(request!.pointee.data).takeRetainedValue()
            defer {
                if let result { uv_freeaddrinfo(result) }
                me.request.deallocate()
            }
            me.finish(status, result)
        }, host, String(port), &hints)
        if rc != 0 {
            Unmanaged<HostResolution>.fromOpaque(resolution.request.pointee.data).release()
            resolution.request.deallocate()
            resolution.completion = nil
            completion(.failure(.unavailable("cannot resolve \(host): \(String(cString: uv_strerror(rc)))")))
        }
        return resolution
    }

    /// The completion will not run (libuv still finishes the lookup and frees it).
    func cancel() {
        completion = nil
    }

    private func finish(_ status: Int32, _ result: UnsafeMutablePointer<addrinfo>?) {
        guard let completion else { return }
        self.completion = nil
        guard status == 0, let info = result, let address = info.pointee.ai_addr else {
            let code = status == 0 ? UV_EAI_NONAME.rawValue : status
            return completion(.failure(.unavailable("cannot resolve the host name: \(String(cString: uv_strerror(code)))")))
        }
        var text = [CChar](repeating: 0, count: 64)
        if info.pointee.ai_family == AF_INET6 {
            address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { _ = uv_ip6_name($0, &text, text.count) }
        } else {
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { _ = uv_ip4_name($0, &text, text.count) }
        }
        completion(.success(String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)))
    }
}
