import AccessToken
import HTTPCore
import RoomCore
import SystemClock
import WireJSON

/// `GET /dev/token?identity=…&name=…&room=…` — dev mode only: mints a join token with the
/// public dev key so the web page can join without a token service. Never enabled outside
/// `--dev`, which itself only listens on loopback.
enum DevTokenEndpoint {
    static func respond(_ request: HTTPRequest, server: WaveDefectServer) -> HTTPResponse {
        let room = request.query("room").flatMap { $0.isEmpty ? nil : $0 } ?? "wave-defect-lab"
        let identity = request.query("identity").flatMap { $0.isEmpty ? nil : $0 } ?? "guest-\(Int.random(in: 1000...9999))"
        // The limits of a join (`RoomRegistry.maxIdentityBytes`, the token check).
        guard identity.utf8.count <= RoomRegistry.maxIdentityBytes else {
            return .text(.badRequest, "identity longer than \(RoomRegistry.maxIdentityBytes) bytes")
        }
        guard RoomName.isValid(room) else { return .text(.badRequest, "invalid room name") }
        let name = request.query("name") ?? identity
        guard !AccessTokenVerifier.hasControlCharacters(identity), !AccessTokenVerifier.hasControlCharacters(name) else {
            return .text(.badRequest, "identity and name must not contain control characters")
        }
        var grant = VideoGrant(room: room, roomJoin: true)
        grant.canPublishData = true
        grant.canUpdateOwnMetadata = true
        let now = SystemClock.wallSeconds
        let claims = AccessTokenClaims(
            issuer: ServerConfiguration.devKey, identity: identity, expiresAt: now + 6 * 3600, notBefore: now,
            name: name, video: grant
        )
        let token = AccessTokenMinter.mint(claims, secret: ServerConfiguration.devSecret)
        var w = JSONWriter()
        w.beginObject()
        w.key("token"); w.string(token)
        w.key("identity"); w.string(identity)
        w.key("room"); w.string(room)
        w.endObject()
        var response = HTTPResponse.json(.ok, w.bytes)
        response.headers.add("Cache-Control", "no-store")
        return response
    }
}
