import HTTPCore
import WireJSON

/// Why a `/api/tracks` request was refused: the one error of the catalog API, answered as
/// JSON `{"error": CODE, "message": TEXT}` with the status its code maps to.
struct CatalogAPIError: HTTPResponseError, Equatable {
    private enum Code: String, Equatable {
        case badRequest = "bad_request"
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case rangeNotSatisfiable = "range_not_satisfiable"
        case unavailable = "unavailable"
        case internalError = "internal"
    }

    private let code: Code
    let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A parameter is missing its value, out of range or malformed; the message names it.
    static func badParameter(_ message: String) -> Self { .init(.badRequest, message) }
    static func notFound(_ message: String) -> Self { .init(.notFound, message) }
    static let methodNotAllowed = Self(.methodNotAllowed, "method not allowed; use GET or HEAD")
    /// A `Range` no byte of the file falls in (the response also says `Content-Range: bytes */SIZE`).
    static func rangeNotSatisfiable(size: Int) -> Self { .init(.rangeNotSatisfiable, "the range asks for no byte of the \(size)-byte file") }
    /// The server runs without a catalog (it could not be opened).
    static let noCatalog = Self(.unavailable, "the music catalog is not available")
    static func catalogFailed(_ error: any Error) -> Self { .init(.internalError, "catalog error: \(error)") }

    var status: HTTPStatus {
        switch code {
        case .badRequest: return .badRequest
        case .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .rangeNotSatisfiable: return .rangeNotSatisfiable
        case .unavailable: return .serviceUnavailable
        case .internalError: return .internalServerError
        }
    }

    var headers: [(String, String)] { code == .methodNotAllowed ? [("Allow", "GET, HEAD")] : [] }

    var response: HTTPResponse {
        var w = JSONWriter()
        w.beginObject()
        w.key("error")
        w.string(code.rawValue)
        w.key("message")
        w.string(message)
        w.endObject()
        var r = HTTPResponse.json(status, w.bytes)
        for (name, value) in headers { r.headers.add(name, value) }
        return r
    }
}
