import AccessToken
import Foundation

/// A token to mint for a test, with LiveKit's grants.
struct TokenSpec {
    var identity: String
    var room: String
    var name: String?
    var metadata: String?
    var attributes: [String: String] = [:]
    var kind: String?
    var grant: VideoGrant
    var key = "devkey"
    var secret = "secret"
    var expiresIn: Int64 = 3600
    var notBeforeOffset: Int64 = 0
    /// LiveKit's `roomConfig.agents`.
    var roomAgents: [RoomAgentDispatch] = []

    init(identity: String, room: String) {
        self.identity = identity
        self.room = room
        grant = VideoGrant(room: room, roomJoin: true)
    }

    func mint() -> String {
        let now = Int64(Date().timeIntervalSince1970)
        var claims = AccessTokenClaims(
            issuer: key, identity: identity, expiresAt: now + expiresIn, notBefore: now + notBeforeOffset, name: name,
            metadata: metadata, attributes: attributes, kind: kind, video: grant
        )
        claims.roomAgents = roomAgents
        return AccessTokenMinter.mint(claims, secret: secret)
    }
}
