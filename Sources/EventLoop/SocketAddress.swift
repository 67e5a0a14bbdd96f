import CLibUV

/// Resolution and formatting of numeric socket addresses (no DNS: the server binds to
/// addresses, not names, except `localhost`).
public enum SocketAddress {
    /// Parses `host` (IPv4, IPv6 or `localhost`) and `port` into a sockaddr.
    public static func make(host: String, port: Int) throws(LoopError) -> sockaddr_storage {
        var storage = sockaddr_storage()
        let name = host == "localhost" ? "127.0.0.1" : host
        var rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { uv_ip4_addr(name, Int32(port), $0) }
        }
        if rc != 0 {
            let v6 = name.hasPrefix("[") && name.hasSuffix("]") ? String(name.dropFirst().dropLast()) : name
            rc = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { uv_ip6_addr(v6, Int32(port), $0) }
            }
        }
        guard rc == 0 else { throw LoopError(rc, "address \(host)") }
        return storage
    }

    /// Whether `host` names the loopback interface (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    static func cString(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func describe(_ storage: UnsafeMutablePointer<sockaddr_storage>) -> String {
        var text = [CChar](repeating: 0, count: 64)
        if storage.pointee.ss_family == sa_family_t(AF_INET6) {
            return storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { addr in
                uv_ip6_name(addr, &text, text.count)
                return "[\(cString(text))]:\(UInt16(bigEndian: addr.pointee.sin6_port))"
            }
        }
        return storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { addr in
            uv_ip4_name(addr, &text, text.count)
            return "\(cString(text)):\(UInt16(bigEndian: addr.pointee.sin_port))"
        }
    }
}
