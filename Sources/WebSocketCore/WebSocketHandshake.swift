import CryptoPrimitives
import HTTPCore

/// Validates an opening handshake (RFC 6455 §4.2.1) and builds the 101 answer.
///
/// Only the WebSocket rules are checked here; authorization is the caller's business and
/// runs before `accept` is sent.
public enum WebSocketHandshake {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Returns the `Sec-WebSocket-Key` of a valid upgrade request, or the refusal to send.
    public static func validate(_ request: HTTPRequest) -> Result<String, Refusal> {
        guard request.method == "GET" else { return .failure(.methodNotGET) }
        guard request.version == .http11 else { return .failure(.notHTTP11) }
        guard request.headers.containsToken("websocket", in: "Upgrade") else { return .failure(.notWebSocket) }
        guard request.headers.containsToken("upgrade", in: "Connection") else { return .failure(.missingConnectionUpgrade) }
        guard request.headers.all("Sec-WebSocket-Version").count == 1,
              request.headers.first("Sec-WebSocket-Version")?.trimmingCharactersSpace == "13"
        else {
            return .failure(.unsupportedVersion)
        }
        let keys = request.headers.all("Sec-WebSocket-Key")
        guard keys.count == 1, let key = keys.first else { return .failure(.missingKey) }
        guard let decoded = Base64.decode(key), decoded.count == 16, key.count == 24 else { return .failure(.malformedKey) }
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
