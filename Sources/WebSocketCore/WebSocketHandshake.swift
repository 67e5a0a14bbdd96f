import CryptoPrimitives
import HTTPCore

/// Validates an opening handshake (RFC 6455 §4.2.1) and builds the 101 answer.
///
/// Only the WebSocket rules are checked here; authorization is the caller's business and
/// runs before `accept` is sent.
public enum WebSocketHandshake {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    public struct Refusal: Error, Sendable, Equatable {
        public let status: HTTPStatus
        public let message: String
        /// Headers the refusal must carry (426 names the version we speak).
        public let headers: [(String, String)]

        public static func == (a: Refusal, b: Refusal) -> Bool {
            a.status == b.status && a.message == b.message
        }

        public var response: HTTPResponse {
            var r = HTTPResponse.text(status, message)
            for (n, v) in headers { r.headers.add(n, v) }
            return r
        }
    }

    /// Returns the `Sec-WebSocket-Key` of a valid upgrade request, or the refusal to send.
    public static func validate(_ request: HTTPRequest) -> Result<String, Refusal> {
        func refuse(_ status: HTTPStatus, _ message: String, _ headers: [(String, String)] = []) -> Result<String, Refusal> {
            .failure(Refusal(status: status, message: message, headers: headers))
        }
        guard request.method == "GET" else { return refuse(.methodNotAllowed, "WebSocket upgrade requires GET", [("Allow", "GET")]) }
        guard request.version == .http11 else { return refuse(.badRequest, "WebSocket upgrade requires HTTP/1.1") }
        guard request.headers.containsToken("websocket", in: "Upgrade") else {
            return refuse(.upgradeRequired, "this endpoint only speaks WebSocket", [("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")])
        }
        guard request.headers.containsToken("upgrade", in: "Connection") else {
            return refuse(.badRequest, "missing 'Connection: Upgrade'")
        }
        guard request.headers.all("Sec-WebSocket-Version").count == 1,
              request.headers.first("Sec-WebSocket-Version")?.trimmingCharactersSpace == "13"
        else {
            return refuse(.upgradeRequired, "unsupported WebSocket version; this server speaks 13", [("Sec-WebSocket-Version", "13")])
        }
        let keys = request.headers.all("Sec-WebSocket-Key")
        guard keys.count == 1, let key = keys.first else { return refuse(.badRequest, "missing Sec-WebSocket-Key") }
        guard let decoded = Base64.decode(key), decoded.count == 16, key.count == 24 else {
            return refuse(.badRequest, "Sec-WebSocket-Key must be 16 random bytes in base64")
        }
        return .success(key)
    }

    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(Digest.sha1(Array((key + guid).utf8)))
    }

    /// The 101 response, serialized. `protocol` echoes a subprotocol the client offered.
    public static func acceptResponse(forKey key: String, protocol subprotocol: String? = nil) -> [UInt8] {
        var text = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(acceptValue(forKey: key))\r\n"
        if let subprotocol { text += "Sec-WebSocket-Protocol: \(subprotocol)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }
}

extension String {
    var trimmingCharactersSpace: Substring {
        var s = self[...]
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
