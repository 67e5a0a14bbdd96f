import AccessToken
import HTTPCore
import SystemClock
import WebSocketCore

/// `GET /agent?access_token=JWT`: the worker protocol's WebSocket (docs/agents.md). The
/// token is checked before the upgrade: signed by a known key, unexpired, with the `agent`
/// grant (LiveKit's worker tokens carry `video.agent: true`).
enum AgentWorkerEndpoint {
    static func upgrade(_ request: HTTPRequest, on connection: ClientConnection, leftover: UnsafeMutableRawBufferPointer) {
        let server = connection.server
        func refuse(_ response: HTTPResponse) {
            server.stats.refusedUpgrades += 1
            connection.respond(response, to: request, keepAlive: false)
        }
        let key: String
        switch WebSocketHandshake.validate(request) {
        case .success(let k): key = k
        case .failure(let refusal): return refuse(refusal.response)
        }
        let token = request.query("access_token") ?? RTCEndpoint.bearerToken(request.headers) ?? ""
        let claims: AccessTokenClaims
        do {
            claims = try server.verifier.verify(token, now: SystemClock.wallSeconds)
        } catch {
            return refuse(error.response)
        }
        guard claims.grant.agent else { return refuse(.text(.forbidden, "token does not grant agent")) }
        guard !server.isShuttingDown else { return refuse(.text(.serviceUnavailable, "server shutting down")) }
        server.stats.upgrades += 1
        connection.tcp.write(WebSocketHandshake.acceptResponse(forKey: key))
        let worker = WorkerConnection(server: server, tcp: connection.tcp, apiKey: claims.issuer, id: server.workers.makeWorkerID())
        connection.handOff(to: worker)
        worker.pingNow()
        if !leftover.isEmpty { worker.connection(worker.tcp, didRead: leftover) }
    }
}
