/// Why a YouTube search gave no answer to cache. A struct wrapping a private code, as the rest
/// of the project reports errors; `pausesAll` says whether asking again soon is pointless for
/// every track (quota spent, key refused) or only worth a later retry.
public struct YouTubeSearchError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        /// 403 `quotaExceeded` / `dailyLimitExceeded` / `rateLimitExceeded`: the project's
        /// daily units are spent (they return at midnight Pacific time).
        case quotaExceeded
        /// 400 `keyInvalid` / `badRequest` naming the key, 403 `forbidden` / `accessNotConfigured`:
        /// the configured key does not work; an operator has to act.
        case keyRejected
        /// Any other status (5xx, 429…).
        case status(Int)
        /// 200 but not a search list.
        case unreadable
        /// No answer (timeout, connection refused, body too large).
        case transport(String)
    }

    private let code: Code
    /// Google's `errors[0].reason`, when the answer named one.
    public let reason: String?

    private init(_ code: Code, reason: String? = nil) {
        self.code = code
        self.reason = reason
    }

    static let quotaReasons: Set<String> = ["quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded"]
    static let keyReasons: Set<String> = ["keyInvalid", "keyExpired", "badRequest", "forbidden", "accessNotConfigured", "ipRefererBlocked"]

    /// A non-200 answer, classified by status and Google's reason.
    public static func status(_ status: Int, reason: String?) -> YouTubeSearchError {
        if let reason, quotaReasons.contains(reason) { return YouTubeSearchError(.quotaExceeded, reason: reason) }
        if status == 400 || status == 401 || status == 403 { return YouTubeSearchError(.keyRejected, reason: reason) }
        return YouTubeSearchError(.status(status), reason: reason)
    }

    public static let unreadable = YouTubeSearchError(.unreadable)

    public static func transport(_ message: String) -> YouTubeSearchError { YouTubeSearchError(.transport(message)) }

    public var isQuotaExceeded: Bool { code == .quotaExceeded }
    public var isKeyRejected: Bool { code == .keyRejected }

    /// Quota spent or key refused: no search for any track is worth making for a while.
    public var pausesAll: Bool { isQuotaExceeded || isKeyRejected }

    /// A short word for logs and metrics.
    public var kind: String {
        switch code {
        case .quotaExceeded: "quota"
        case .keyRejected: "key"
        case .status: "status"
        case .unreadable: "unreadable"
        case .transport: "transport"
        }
    }

    public var description: String {
        switch code {
        case .quotaExceeded: "YouTube quota exceeded (\(reason ?? "quotaExceeded"))"
        case .keyRejected: "YouTube refused the API key (\(reason ?? "no reason given"))"
        case .status(let s): "YouTube answered HTTP \(s)" + (reason.map { " (\($0))" } ?? "")
        case .unreadable: "YouTube answer is not a search list"
        case .transport(let m): "YouTube search failed: \(m)"
        }
    }
}
