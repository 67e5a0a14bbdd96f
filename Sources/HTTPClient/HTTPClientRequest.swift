/// An outgoing HTTP request for `CurlMulti`: webhooks, the Spotify Web API, iTunes Search,
/// YouTube — one client for all of them on the server's loop.
public struct HTTPClientRequest: Sendable {
    /// Any method; GET, HEAD and POST map to curl's own modes, others go out as written.
    public var method: String
    /// An `http://` or `https://` URL (other schemes are refused).
    public var url: String
    /// Sent in order. A header given here replaces the one curl would add (`User-Agent`,
    /// `Content-Type`, `Accept`); an empty value removes it.
    public var headers: [(name: String, value: String)]
    /// The request body, sent with `Content-Length`. nil sends none (a POST or PUT without
    /// one still says `Content-Length: 0`).
    public var body: [UInt8]?
    /// Seconds the whole exchange may take, connecting included.
    public var timeout: Double
    /// Seconds the connection (DNS, TCP, TLS) may take; nil uses `timeout`.
    public var connectTimeout: Double?
    /// Largest response body accepted; nil uses the client's limit. A larger body fails the
    /// request with `.responseTooLarge`.
    public var maxResponseBodyBytes: Int?
    /// Whether 3xx responses are followed (up to 5 hops, http and https only).
    public var followRedirects: Bool

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        timeout: Double = 30, followRedirects: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.followRedirects = followRedirects
    }

    /// Replaces every header named `name` (case-insensitively) with one value.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name, value))
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The URL as it may be logged: scheme, host, port and path, without user info, query or
    /// fragment (where tokens and keys tend to travel).
    public var redactedURL: String { Self.redact(url) }

    public static func redact(_ url: String) -> String {
        var rest = Substring(url)
        var scheme = ""
        if let r = rest.firstRange(of: "://") {
            scheme = String(rest[..<r.upperBound])
            rest = rest[r.upperBound...]
        }
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<end]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") {
            rest = rest[rest.index(after: at)...]
        }
        return scheme + rest
    }
}

/// A complete response. Every status is a response, not an error: 4xx and 5xx are for the
/// caller to judge.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// Headers of the final response (those of 1xx and followed redirects are dropped), in
    /// order, names as the server wrote them.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header named `name`, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// Why a request produced no response, in the project's one error style: a private code with
/// a static member per kind. Two errors are equal when their kinds are (`error == .timedOut`,
/// `case .responseTooLarge:` in a switch); curl's code and wording are detail for logs.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case invalidRequest, couldNotResolve, couldNotConnect, timedOut, tls, responseTooLarge, cancelled, queueFull, transport
    }

    private let code: Code
    /// curl's error code (`CURLcode`), 0 when the error is not curl's.
    public let curlCode: Int32
    /// curl's explanation. It names hosts and ports but never headers or bodies.
    public let message: String

    private init(_ code: Code, curlCode: Int32 = 0, message: String) {
        self.code = code
        self.curlCode = curlCode
        self.message = message
    }

    /// The URL or an option was refused before anything was sent.
    public static let invalidRequest = HTTPClientError(.invalidRequest, message: "invalid request")
    public static let couldNotResolve = HTTPClientError(.couldNotResolve, message: "could not resolve the host")
    public static let couldNotConnect = HTTPClientError(.couldNotConnect, message: "could not connect")
    public static let timedOut = HTTPClientError(.timedOut, message: "timed out")
    /// Handshake or certificate failure.
    public static let tls = HTTPClientError(.tls, message: "TLS failure")
    /// The body exceeded the configured limit.
    public static let responseTooLarge = HTTPClientError(.responseTooLarge, message: "response body too large")
    /// `cancel()` or the client's `close()`.
    public static let cancelled = HTTPClientError(.cancelled, message: "request cancelled")
    /// The host already had `maxRequestsPerHost` in flight and `maxQueuedPerHost` waiting.
    public static let queueFull = HTTPClientError(.queueFull, message: "per-host queue full")
    /// Anything else on the wire (reset, malformed response, …).
    public static let transport = HTTPClientError(.transport, message: "transport failure")

    /// The same kind, with curl's code and its own explanation.
    func with(curlCode: Int32 = 0, message: String) -> HTTPClientError {
        HTTPClientError(code, curlCode: curlCode, message: message)
    }

    public static func == (a: HTTPClientError, b: HTTPClientError) -> Bool { a.code == b.code }

    /// Worth trying again later: the peer was unreachable, slow or cut the exchange short.
    public var isTransient: Bool {
        switch code {
        case .couldNotResolve, .couldNotConnect, .timedOut, .transport: true
        case .invalidRequest, .tls, .responseTooLarge, .cancelled: false
        // Worth a later try, as a 429 is; the caller's backoff decides when.
        case .queueFull: true
        }
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// A request in flight; `cancel()` ends it.
public final class HTTPClientTask {
    weak var client: CurlMulti?
    weak var transfer: CurlTransfer?

    init(client: CurlMulti, transfer: CurlTransfer) {
        self.client = client
        self.transfer = transfer
    }

    init() {}

    /// Whether the completion has not run yet.
    public var isPending: Bool { transfer?.isPending ?? false }

    /// Stops the request. Its completion runs right away, before `cancel` returns, with
    /// `.cancelled`; nothing happens if it already ran.
    public func cancel() {
        guard let client, let transfer else { return }
        client.cancel(transfer)
    }
}
