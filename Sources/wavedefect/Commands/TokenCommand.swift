import AccessToken
import ArgumentParser
import Foundation
import WaveDefectServer

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint an access token (LiveKit format, HS256) and print it.",
        discussion: "The key is --api-key/--api-secret, else the first of WAVEDEFECT_KEYS, else --dev's devkey/secret."
    )

    @Option(help: "Room to join.") var room: String?
    @Option(help: "Participant identity (sub).") var identity: String
    @Option(help: "Display name.") var name: String?
    @Option(help: "Participant metadata (a string, often JSON).") var metadata: String?
    @Option(name: .customLong("attribute"), help: "Attribute key=value (repeatable).") var attributes: [String] = []
    @Option(help: "Lifetime, e.g. 90s, 30m, 6h, 2d (default 6h).") var ttl: String = "6h"
    @Option(help: "Participant kind: standard or agent.") var kind: String?
    @Flag(inversion: .prefixedNo, help: "Grant roomJoin.") var join = true
    @Flag(inversion: .prefixedNo, help: "Grant canPublishData.") var canPublishData = true
    @Flag(inversion: .prefixedNo, help: "Grant canSubscribe.") var canSubscribe = true
    @Flag(help: "Grant canUpdateOwnMetadata.") var canUpdateMetadata = false
    @Flag(help: "Hidden participant (not announced or listed).") var hidden = false
    @Flag(help: "Grant roomAdmin.") var roomAdmin = false
    @Flag(help: "Grant roomCreate.") var roomCreate = false
    @Flag(help: "Grant roomList.") var roomList = false
    @Flag(help: "Grant agent.") var agent = false
    @Option(help: "API key (iss).") var apiKey: String?
    @Option(help: "API secret.") var apiSecret: String?
    @Flag(help: "Use the dev key devkey/secret.") var dev = false

    /// Usage mistakes are found here, not in `run()`: ArgumentParser prints this command's
    /// usage after an error from `validate()`, but the top-level usage after one from `run()`.
    func validate() throws {
        _ = try signingKey()
        _ = try lifetime()
        _ = try attributeMap()
        if join && room == nil { throw ValidationError("--room is required unless --no-join") }
    }

    func run() throws {
        let (key, secret) = try signingKey()
        let seconds = try lifetime()
        var grant = VideoGrant(room: room, roomJoin: join)
        grant.canPublishData = canPublishData
        grant.canSubscribe = canSubscribe
        grant.canUpdateOwnMetadata = canUpdateMetadata ? true : nil
        grant.hidden = hidden
        grant.roomAdmin = roomAdmin
        grant.roomCreate = roomCreate
        grant.roomList = roomList
        grant.agent = agent
        let attributeMap = try attributeMap()
        let now = Int64(Date().timeIntervalSince1970)
        let claims = AccessTokenClaims(
            issuer: key, identity: identity, expiresAt: now + seconds, notBefore: now, name: name, metadata: metadata,
            attributes: attributeMap, kind: kind, video: grant
        )
        print(AccessTokenMinter.mint(claims, secret: secret))
    }

    func lifetime() throws -> Int64 {
        guard let seconds = Self.parseDuration(ttl) else { throw ValidationError("--ttl: expected a duration like 90s, 30m, 6h or 2d") }
        return seconds
    }

    func attributeMap() throws -> [String: String] {
        var map: [String: String] = [:]
        for a in attributes {
            let parts = a.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ValidationError("--attribute: expected key=value, got '\(a)'") }
            map[String(parts[0])] = String(parts[1])
        }
        return map
    }

    func signingKey() throws -> (String, String) {
        if let apiKey, let apiSecret { return (apiKey, apiSecret) }
        if apiKey != nil || apiSecret != nil { throw ValidationError("--api-key and --api-secret go together") }
        if let env = ProcessInfo.processInfo.environment["WAVEDEFECT_KEYS"], !env.isEmpty, !dev {
            let keys = try ServerConfiguration.parseKeys(env)
            if let first = keys.sorted(by: { $0.key < $1.key }).first { return (first.key, first.value) }
        }
        if dev { return (ServerConfiguration.devKey, ServerConfiguration.devSecret) }
        throw ValidationError("no signing key: pass --dev, --api-key/--api-secret, or set WAVEDEFECT_KEYS")
    }

    static func parseDuration(_ text: String) -> Int64? {
        guard let unit = text.last, let value = Int64(text.dropLast()), value > 0 else { return Int64(text) }
        switch unit {
        case "s": return value
        case "m": return value * 60
        case "h": return value * 3600
        case "d": return value * 86400
        default: return nil
        }
    }
}
