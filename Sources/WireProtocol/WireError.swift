/// An error a participant is told about in an `error` message on the open connection: the
/// stable wire code (docs/protocol.md) and a one-line message. Same style as
/// `HTTPResponseError` (HTTPCore) and `WebSocketCloseError` (WebSocketCore): a struct with a
/// private code enum; the code picks the wire string.
public protocol WireError: Error, CustomStringConvertible {
    /// The `code` field of the error message, e.g. `bad_message`.
    var wireCode: String { get }
    var message: String { get }
}

extension WireError {
    public var description: String { "\(wireCode): \(message)" }
}
