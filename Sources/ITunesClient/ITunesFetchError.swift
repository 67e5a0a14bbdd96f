import HTTPClient
import WireJSON

/// Why an iTunes search produced no results list, in the project's one error style: a struct
/// wrapping a private code. The description is the log line (it never quotes the body).
public struct ITunesFetchError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        /// No answer (after any retries).
        case transport(HTTPClientError)
        /// An answer with a status other than 200.
        case status(Int)
        /// A 200 whose body is not the documented search answer.
        case unreadable(JSONBodyError)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    public static func transport(_ error: HTTPClientError) -> ITunesFetchError { ITunesFetchError(.transport(error)) }
    public static func status(_ status: Int) -> ITunesFetchError { ITunesFetchError(.status(status)) }
    public static func unreadable(_ error: JSONBodyError) -> ITunesFetchError { ITunesFetchError(.unreadable(error)) }

    /// The HTTP status, when Apple answered.
    public var status: Int? {
        if case .status(let s) = code { return s }
        return nil
    }

    public var description: String {
        switch code {
        case .transport(let e): "iTunes search failed: \(e)"
        case .status(let s): "iTunes search answered HTTP \(s)"
        case .unreadable(let e): "iTunes search answer unreadable: \(e)"
        }
    }
}
