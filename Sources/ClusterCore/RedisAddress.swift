/// Where a node finds Redis: `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` (the `--redis`
/// flag) or the config file's `redis: {address, password, db, tls}`. Parsing is pure; the
/// password never appears in `description`, so an address can be logged as it is.
public struct RedisAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// ACL user for `AUTH user password` (Redis 6+); nil: `AUTH password`.
    public var username: String?
    public var password: String?
    public var database: Int
    /// `rediss://` or `tls: true`: this build cannot do it (Debian's hiredis has no
    /// hiredis_ssl), so configuration validation refuses it rather than connecting in clear.
    public var tls: Bool

    public static let defaultPort = 6379

    public init(host: String, port: Int = RedisAddress.defaultPort, username: String? = nil, password: String? = nil, database: Int = 0, tls: Bool = false) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// `redis://host:port/db`, without credentials.
    public var description: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return "\(tls ? "rediss" : "redis")://\(bracketed):\(port)\(database == 0 ? "" : "/\(database)")"
    }

    /// Parses a `redis://` URL. The error names what is wrong and never echoes the password.
    public static func parse(_ url: String) throws(RedisAddressError) -> RedisAddress {
        var rest = Substring(url)
        let tls: Bool
        if rest.hasPrefix("redis://") {
            tls = false
            rest = rest.dropFirst("redis://".count)
        } else if rest.hasPrefix("rediss://") {
            tls = true
            rest = rest.dropFirst("rediss://".count)
        } else {
            throw .init("must start with redis:// (got '\(url.prefix(12))…')")
        }
        if rest.contains("?") || rest.contains("#") { throw .init("query strings and fragments are not supported") }
        var address = RedisAddress(host: "", tls: tls)
        // Credentials end at the last '@': a password may itself contain '@' when escaped or not.
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = try percentDecoded(credentials[..<colon], "user name")
                address.username = user.isEmpty ? nil : user
                address.password = try percentDecoded(credentials[credentials.index(after: colon)...], "password")
            } else {
                address.password = try percentDecoded(credentials, "password")
            }
            if address.password?.isEmpty == true { throw .init("empty password before '@'") }
        }
        let authority: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            let db = rest[rest.index(after: slash)...]
            if !db.isEmpty {
                guard db.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(db), n <= 1_000_000 else {
                    throw .init("database '\(db)' is not a number ≥ 0")
                }
                address.database = n
            }
        } else {
            authority = rest
        }
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .init("IPv6 host lacks its closing ']'") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .init("unexpected '\(after)' after the IPv6 host") }
                portPart = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw .init("no host") }
        guard hostPart.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._:".contains($0)) }) else {
            throw .init("host '\(hostPart)' has characters a host name cannot have")
        }
        address.host = String(hostPart)
        if let portPart {
            guard !portPart.isEmpty, portPart.allSatisfy({ $0.isASCII && $0.isNumber }), let p = Int(portPart), (1...65535).contains(p) else {
                throw .init("port '\(portPart)' is not in 1...65535")
            }
            address.port = p
        }
        return address
    }

    private static func percentDecoded(_ text: Substring, _ what: String) throws(RedisAddressError) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let b = utf8.popFirst() {
            guard b == UInt8(ascii: "%") else {
                bytes.append(b)
                continue
            }
            guard utf8.count >= 2, let hi = hexValue(utf8.popFirst()!), let lo = hexValue(utf8.popFirst()!) else {
                throw .init("\(what) has a '%' not followed by two hex digits")
            }
            bytes.append(hi << 4 | lo)
        }
        guard let s = String(validating: bytes, as: UTF8.self) else { throw .init("\(what) is not UTF-8 once decoded") }
        return s
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A `redis://` URL that cannot be used; `message` says why (never the password).
public struct RedisAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
