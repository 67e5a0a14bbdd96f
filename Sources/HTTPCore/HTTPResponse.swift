/// A response ready to serialize. `Content-Length` is always added from the body, so a
/// keep-alive client can find the end of every response.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: HTTPStatus, contentType: String, body: String) {
        self.init(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(body.utf8))
    }

    /// A plain-text error whose body states the reason, so `curl -i` shows the cause.
    public static func text(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: message + "\n")
    }

    public static func json(_ status: HTTPStatus, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: body)
    }

    /// Serializes head and body; `includeBody` is false for HEAD requests, whose response
    /// still announces the length the GET would have.
    public func serialized(version: HTTPVersion = .http11, keepAlive: Bool, includeBody: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + body.count)
        out.append(contentsOf: "\(version.text) \(status.code) \(status.reason)\r\n".utf8)
        for (name, value) in headers.fields {
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        let informational = status.code < 200 || status == .noContent || status == .notModified
        if !informational && headers.first("Content-Length") == nil {
            out.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        }
        if status != .switchingProtocols && !informational || status == .noContent {
            out.append(contentsOf: (keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n").utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        if includeBody && !informational { out.append(contentsOf: body) }
        return out
    }
}
