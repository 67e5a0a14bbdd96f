import WireJSON

/// `{"type":"spotify","access_token":"…","expires_in":3600}`: a participant hands the
/// server its Spotify access token. The token is a secret: this type never prints it
/// (`description` and `debugDescription` redact it), so logging a message cannot leak it.
public struct SpotifyTokenRequest: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let accessToken: String
    /// Seconds the token stays valid, as Spotify's token endpoint said.
    public let expiresIn: Double
    public let id: Range<Int>?

    /// Longest token accepted (Spotify's are about 300 bytes).
    public static let maxTokenBytes = 2048
    /// Longest validity accepted (Spotify's tokens live an hour).
    public static let maxExpiresIn: Double = 86_400

    /// Checks the members: a token of 1 to 2048 visible ASCII characters (it goes into an
    /// HTTP header) and `expires_in` a number of seconds in (0, 86400].
    public init(accessToken: String?, expiresIn: JSONValue?, id: Range<Int>?) throws(ProtocolError) {
        guard let accessToken, !accessToken.isEmpty else { throw .badMessage("spotify needs a non-empty 'access_token'") }
        guard accessToken.utf8.count <= Self.maxTokenBytes else {
            throw .badMessage("'access_token' longer than \(Self.maxTokenBytes) bytes")
        }
        guard accessToken.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .badMessage("'access_token' must be visible ASCII characters")
        }
        guard let expiresIn, !expiresIn.isNull else { throw .badMessage("spotify needs 'expires_in'") }
        guard let seconds = expiresIn.doubleValue, seconds.isFinite, seconds > 0, seconds <= Self.maxExpiresIn else {
            throw .badMessage("'expires_in' must be a number of seconds in (0, \(Int(Self.maxExpiresIn))]")
        }
        self.accessToken = accessToken
        self.expiresIn = seconds
        self.id = id
    }

    public var description: String { "spotify(access_token: <redacted>, expires_in: \(expiresIn))" }
    public var debugDescription: String { description }
}
