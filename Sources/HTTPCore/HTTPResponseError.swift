/// An error a client is told about with an HTTP status: the one way every refusal in the
/// project (parser, handshake, token, room admission, admin API) becomes a response.
///
/// Errors follow one style (as Hummingbird and swift-websocket do): a struct wrapping a
/// private code enum, with static members for each case. The code decides the status; the
/// message is the one line the client reads. `WebSocketCloseError` and `WireError` are the
/// same mapping for close codes and wire codes.
public protocol HTTPResponseError: Error, CustomStringConvertible {
    /// The status the error is answered with.
    var status: HTTPStatus { get }
    /// One line for the client: the body of the plain-text response.
    var message: String { get }
    /// Headers the response must carry (`Allow`, `Sec-WebSocket-Version`, …).
    var headers: [(String, String)] { get }
    /// The response to send. The default is a plain-text body stating `message`.
    var response: HTTPResponse { get }
}

extension HTTPResponseError {
    public var headers: [(String, String)] { [] }

    public var response: HTTPResponse {
        var r = HTTPResponse.text(status, message)
        for (name, value) in headers { r.headers.add(name, value) }
        return r
    }

    public var description: String { "\(status.code) \(message)" }
}
