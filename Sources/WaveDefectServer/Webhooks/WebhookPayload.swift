import AccessToken
import CryptoPrimitives
import RoomCore
import WireJSON

/// One webhook event encoded once, as LiveKit's `WebhookEvent` in protojson, and shared by
/// every URL: the same bytes are signed and sent to each.
struct WebhookPayload {
    /// `EV_…`, unique per event (receivers deduplicate retried deliveries with it).
    let id: String
    let event: WebhookEvent.Kind
    let roomName: String
    let body: [UInt8]
    /// Base64 (standard, padded) of the body's SHA-256: the token's `sha256` claim.
    let bodyHash: String

    init(_ event: WebhookEvent, id: String = WebhookPayload.makeID()) {
        self.id = id
        self.event = event.kind
        roomName = event.room.name
        body = Self.encode(event, id: id)
        bodyHash = Base64.encode(Digest.sha256(body))
    }

    /// `{"event":…,"room":{…},"participant":{…},"id":"EV_…","created_at":"…"}`.
    static func encode(_ event: WebhookEvent, id: String) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 768)
        w.beginObject()
        w.key("event"); w.string(event.kind.rawValue)
        w.key("room"); LiveKitJSON.writeRoom(event.room, to: &w)
        if var participant = event.participant {
            // The room removed the participant before reporting it, so it is no longer
            // active, which is how LiveKit reports a participant that left.
            if event.kind == .participantLeft { participant.state = "DISCONNECTED" }
            w.key("participant"); LiveKitJSON.writeParticipant(participant, to: &w)
        }
        w.key("id"); w.string(id)
        w.key("created_at"); w.string(String(event.createdAt))
        w.endObject()
        return w.bytes
    }

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `EV_` and 12 random base62 characters, like LiveKit's ids.
    static func makeID() -> String {
        var id = Array("EV_".utf8)
        for b in Digest.randomBytes(12) { id.append(alphabet[Int(b) % alphabet.count]) }
        return String(decoding: id, as: UTF8.self)
    }
}

/// Signs deliveries as LiveKit does: `Authorization: <JWT>` (no scheme), HS256 with the API
/// key's secret, `iss` the key, and `sha256` the body hash, so a receiver with LiveKit's
/// `WebhookReceiver` checks both who sent the body and that it is intact.
struct WebhookSigner {
    let apiKey: String
    let secret: String
    /// Seconds a signature stays valid (LiveKit's 5 minutes). Each attempt is signed anew.
    var validity: Int64 = 300

    func authorization(for payload: WebhookPayload, now: Int64) -> String {
        let claims = AccessTokenClaims(issuer: apiKey, identity: "", expiresAt: now + validity, notBefore: now, sha256: payload.bodyHash)
        return AccessTokenMinter.mint(claims, secret: secret)
    }
}
