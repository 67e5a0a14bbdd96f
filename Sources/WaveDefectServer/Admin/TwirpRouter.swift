import AccessToken
import HTTPCore
import RoomCore
import SystemClock

/// LiveKit's Twirp services: `POST /twirp/livekit.<Service>/<Method>` with
/// `Authorization: Bearer <JWT>` and a JSON or protobuf body (`TwirpEncoding`). The order
/// of checks is Twirp's: route, content type, token, the method's grant — all before the
/// body is parsed, since parsing is work an unauthorized caller must not be able to make
/// the server do.
enum TwirpRouter {
    static let prefix = "/twirp/"

    static let services: [String: [String: TwirpMethod]] = [
        "livekit.RoomService": RoomServiceAPI.methods,
        "livekit.AgentDispatchService": AgentDispatchAPI.methods,
    ]

    /// The answer, or nil when the method answers later through `later` (a cluster-wide
    /// `ListRooms` waits for Redis, a call for a room on another node waits for that node);
    /// `later` runs at most once, on the loop thread. `forwarded`: another node handed this
    /// call over (`ClusterCalls`), so it is answered here, never forwarded again.
    static func handle(_ request: HTTPRequest, server: WaveDefectServer, forwarded: Bool = false, later: @escaping (HTTPResponse) -> Void) -> HTTPResponse? {
        do {
            return try call(request, server: server, forwarded: forwarded, later: later)
        } catch {
            return failed(error, request, server)
        }
    }

    private static func failed(_ error: TwirpError, _ request: HTTPRequest, _ server: WaveDefectServer) -> HTTPResponse {
        server.logger.debug("admin API error", metadata: ["path": "\(request.path)", "code": "\(error.wireCode)", "msg": "\(error.message)"])
        return error.response
    }

    /// A body the HTTP parser refused (larger than `limits.max_body_bytes`) on a Twirp route
    /// is answered as Twirp answers a body it cannot read: `malformed`, in JSON.
    static func parseErrorResponse(_ error: HTTPParseError, path: Substring?) -> HTTPResponse? {
        guard let path, path.hasPrefix(prefix), error.status == .contentTooLarge else { return nil }
        return TwirpError.malformed("request \(error.message) (limits.max_body_bytes)").response
    }

    private static func call(_ request: HTTPRequest, server: WaveDefectServer, forwarded: Bool, later: @escaping (HTTPResponse) -> Void) throws(TwirpError) -> HTTPResponse? {
        let route = request.path.dropFirst(prefix.count).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard route.count == 2, let methods = services[String(route[0])] else {
            throw .badRoute("no such service: \(route.first ?? "")")
        }
        guard let method = methods[String(route[1])] else { throw .badRoute("no such method: \(route[0])/\(route[1])") }
        guard request.method == "POST" else { throw .badRoute("unsupported method \(request.method) (only POST is allowed)") }
        let encoding = try TwirpEncoding(contentType: request.headers.first("Content-Type"))
        guard let token = RTCEndpoint.bearerToken(request.headers) else { throw .unauthenticated("missing Authorization: Bearer token") }
        let claims: AccessTokenClaims
        do {
            claims = try server.verifier.verify(token, now: SystemClock.wallSeconds)
        } catch {
            throw .unauthenticated(error.message)
        }
        let grant = claims.grant
        switch method.grant {
        case .roomCreate: guard grant.roomCreate else { throw .permissionDenied("token does not grant roomCreate") }
        case .roomList: guard grant.roomList else { throw .permissionDenied("token does not grant roomList") }
        case .roomAdmin: guard grant.roomAdmin else { throw .permissionDenied("token does not grant roomAdmin") }
        }

        let json = encoding == .protobuf ? try method.messages.requestJSON(request.body) : request.body
        let body = try TwirpBody(json)
        var room: String?
        if method.grant == .roomAdmin {
            let name = try body.requiredString("room")
            guard grant.room == name else { throw .permissionDenied("token's roomAdmin grant is for another room") }
            room = name
        }
        let twirpCall = TwirpCall(server: server, now: RoomInstant.current, body: body, room: room ?? "")
        let encode = { (answer: [UInt8]) throws(TwirpError) -> HTTPResponse in
            encoding.response(encoding == .protobuf ? try method.messages.responseProtobuf(answer) : answer)
        }
        // A room another node holds: that node answers (docs/cluster.md#cluster-wide-admin).
        let deleted = route[1] == "DeleteRoom" ? try body.string("room") : nil
        let target = room ?? deleted
        if !forwarded, let calls = server.clusterCalls, let target, server.registry.room(named: target) == nil {
            calls.forward(request, room: target) { response in
                if let response { return later(response) }
                do throws(TwirpError) {
                    later(try encode(method.handle(twirpCall)))
                } catch {
                    later(failed(error, request, server))
                }
            }
            return nil
        }
        // CreateRoom in a cluster takes the room's lease before it creates anything, as a join
        // does, so exactly one node runs the room; another node holding it answers the call.
        if route[1] == "CreateRoom", let calls = server.clusterCalls, let name = try body.string("name"), RoomName.isValid(name),
           server.registry.room(named: name) == nil {
            calls.placeNewRoom(name) { placement in
                switch placement {
                case .here:
                    do throws(TwirpError) {
                        later(try encode(method.handle(twirpCall)))
                    } catch {
                        later(failed(error, request, server))
                    }
                    // Refused (bad agents…): the lease taken for it goes back.
                    calls.releaseUnusedLease(name)
                case .on(let owner) where !forwarded:
                    calls.forwardCreate(request, room: name, to: owner, done: later)
                case .on(let owner):
                    later(failed(.unavailable("room '\(name)' has just started on node '\(owner)'; try again"), request, server))
                case .failed(let error):
                    later(failed(error, request, server))
                }
            }
            return nil
        }
        if let deferred = method.later, server.cluster != nil {
            try deferred(twirpCall) { result in
                let answer = result.flatMap { json -> Result<HTTPResponse, TwirpError> in
                    do throws(TwirpError) { return .success(try encode(json)) } catch { return .failure(error) }
                }
                switch answer {
                case .success(let response): later(response)
                case .failure(let error): later(failed(error, request, server))
                }
            }
            return nil
        }
        return try encode(method.handle(twirpCall))
    }
}

/// One method of a Twirp service: the grant it needs, its LiveKit messages and its handler,
/// which reads the request as JSON and answers JSON (`TwirpMessages` carries protobuf).
struct TwirpMethod: Sendable {
    enum Grant: Sendable {
        case roomCreate
        case roomList
        /// `roomAdmin` for the request's `room`, which must be set.
        case roomAdmin
    }

    let grant: Grant
    let messages: TwirpMessages
    let handle: @Sendable (TwirpCall) throws(TwirpError) -> [UInt8]
    /// The handler in a cluster, when it needs Redis: it checks the request (throwing as
    /// `handle` does) and answers through its completion.
    var later: (@Sendable (TwirpCall, @escaping (Result<[UInt8], TwirpError>) -> Void) throws(TwirpError) -> Void)?
}

/// An authorized request, as a method handler sees it.
struct TwirpCall {
    let server: WaveDefectServer
    let now: RoomInstant
    let body: TwirpBody
    /// The room a `roomAdmin` method acts on (checked against the token); empty otherwise.
    let room: String
}
