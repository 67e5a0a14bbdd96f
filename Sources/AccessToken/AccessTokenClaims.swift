import WireJSON

/// The claims of a LiveKit access token (JWT, HS256): `iss` is the API key, `sub` the
/// participant identity.
public struct AccessTokenClaims: Sendable, Equatable {
    public var issuer: String
    public var identity: String
    public var name: String?
    public var metadata: String?
    public var attributes: [String: String]
    /// LiveKit participant kind (`standard`, `agent`, …); nil when absent.
    public var kind: String?
    /// Seconds since 1970.
    public var expiresAt: Int64
    public var notBefore: Int64?
    public var video: VideoGrant?
    /// Base64 SHA-256 of a webhook body (LiveKit's webhook signature).
    public var sha256: String?
    public var jwtID: String?
    /// LiveKit's `roomConfig.agents`: agents to dispatch when this token's join creates the
    /// room (`[{"agentName":…,"metadata":…}]`).
    public var roomAgents: [RoomAgentDispatch] = []

    public init(
        issuer: String, identity: String, expiresAt: Int64, notBefore: Int64? = nil, name: String? = nil,
        metadata: String? = nil, attributes: [String: String] = [:], kind: String? = nil, video: VideoGrant? = nil, sha256: String? = nil
    ) {
        self.issuer = issuer
        self.identity = identity
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.name = name
        self.metadata = metadata
        self.attributes = attributes
        self.kind = kind
        self.video = video
        self.sha256 = sha256
    }

    /// The grants, or an empty grant (nothing allowed that needs asking) when absent.
    public var grant: VideoGrant { video ?? VideoGrant() }

    /// Whether the bearer joins as an agent: LiveKit's participant kind `agent`, or the
    /// `agent` video grant. Agents get in past a room's participant limit.
    public var isAgent: Bool { kind == "agent" || grant.agent }

    init(json: JSONObject) throws(AccessTokenError) {
        guard let iss = json["iss"]?.stringValue, !iss.isEmpty else { throw .malformed("token has no issuer (iss)") }
        guard let exp = json["exp"] else { throw .malformed("token has no expiry (exp)") }
        issuer = iss
        identity = json["sub"]?.stringValue ?? ""
        expiresAt = try Self.seconds(exp, "exp")
        if let nbf = json["nbf"] { notBefore = try Self.seconds(nbf, "nbf") }
        name = json["name"]?.stringValue
        metadata = json["metadata"]?.stringValue
        kind = json["kind"]?.stringValue
        sha256 = json["sha256"]?.stringValue
        jwtID = json["jti"]?.stringValue
        attributes = [:]
        if let attrs = json["attributes"], !attrs.isNull {
            guard let map = attrs.stringMapValue else { throw .malformed("attributes must be an object of strings") }
            attributes = map
        }
        if let config = json["roomConfig"], !config.isNull {
            guard config.objectValue != nil else { throw .malformed("roomConfig is not an object") }
            if let agents = config["agents"], !agents.isNull {
                guard let list = agents.arrayValue else { throw .malformed("roomConfig.agents is not an array") }
                roomAgents = try list.map { (a: JSONValue) throws(AccessTokenError) -> RoomAgentDispatch in
                    guard let name = (a["agentName"] ?? a["agent_name"])?.stringValue, !name.isEmpty else {
                        throw .malformed("roomConfig.agents entries need an agentName")
                    }
                    return RoomAgentDispatch(agentName: name, metadata: a["metadata"]?.stringValue ?? "")
                }
            }
        }
        if let v = json["video"] {
            guard let o = v.objectValue else { throw .malformed("video grant is not an object") }
            video = VideoGrant(json: o)
        }
    }

    /// A NumericDate: seconds since 1970, within ±285 million years so that arithmetic on
    /// it (leeway) can never overflow.
    static func seconds(_ value: JSONValue, _ name: String) throws(AccessTokenError) -> Int64 {
        guard let d = value.doubleValue, d.isFinite, abs(d) < 9e15 else { throw .malformed("\(name) is not a valid time") }
        return Int64(d.rounded(.down))
    }

    func json() -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("iss"); w.string(issuer)
        w.key("sub"); w.string(identity)
        if let notBefore { w.key("nbf"); w.int(notBefore) }
        w.key("exp"); w.int(expiresAt)
        if let name { w.key("name"); w.string(name) }
        if let metadata { w.key("metadata"); w.string(metadata) }
        if let kind { w.key("kind"); w.string(kind) }
        if !attributes.isEmpty {
            w.key("attributes")
            w.beginObject()
            for (k, v) in attributes.sorted(by: { $0.key < $1.key }) {
                w.key(k)
                w.string(v)
            }
            w.endObject()
        }
        if let video {
            w.key("video")
            video.write(to: &w)
        }
        if !roomAgents.isEmpty {
            w.key("roomConfig")
            w.beginObject()
            w.key("agents")
            w.beginArray()
            for a in roomAgents {
                w.beginObject()
                w.key("agentName"); w.string(a.agentName)
                if !a.metadata.isEmpty { w.key("metadata"); w.string(a.metadata) }
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        if let sha256 { w.key("sha256"); w.string(sha256) }
        if let jwtID { w.key("jti"); w.string(jwtID) }
        w.endObject()
        return w.bytes
    }
}

/// One entry of LiveKit's `roomConfig.agents` claim.
public struct RoomAgentDispatch: Sendable, Equatable {
    public var agentName: String
    public var metadata: String

    public init(agentName: String, metadata: String = "") {
        self.agentName = agentName
        self.metadata = metadata
    }
}
