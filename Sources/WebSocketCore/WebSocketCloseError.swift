/// An error a WebSocket peer is told about by closing the connection: the close code and the
/// reason sent in the close frame. Same style as `HTTPResponseError` (HTTPCore) and
/// `WireError` (WireProtocol): a struct with a private code enum; the code picks the number.
public protocol WebSocketCloseError: Error, CustomStringConvertible {
    var closeCode: WebSocketCloseCode { get }
    /// Sent as the close frame's reason; kept under 123 bytes.
    var reason: String { get }
}

extension WebSocketCloseError {
    public var description: String { "\(closeCode.rawValue) \(reason)" }
}
