import HTTPCore
import WireJSON

/// Routes a complete request. The WebSocket endpoint `/rtc` takes the socket over; the rest
/// answer with one response.
enum HTTPRouter {
    static func route(_ request: HTTPRequest, on connection: ClientConnection, leftover: UnsafeMutableRawBufferPointer) {
        let server = connection.server
        let path = request.path
        let isRead = request.method == "GET" || request.method == "HEAD"
        if path == "/rtc" || path == "/agent", let address = server.connections.address(of: connection),
           let wait = server.addressLimiter.handshake(address, now: server.loop.turnStart)
        {
            server.stats.addressLimitRefusals += 1
            let rate = server.addressLimiter.limits.handshakesPerSecond
            return connection.refuse(.tooManyRequests, retryAfter: wait, "more than \(rate) WebSocket handshakes a second from \(address) (limits.handshakes_per_second_per_ip)")
        }
        switch path {
        case "/rtc":
            RTCEndpoint.upgrade(request, on: connection, leftover: leftover)
        case "/agent":
            AgentWorkerEndpoint.upgrade(request, on: connection, leftover: leftover)
        case "/rtc/validate":
            guard isRead else { return connection.respond(methodNotAllowed("GET"), to: request) }
            connection.respond(RTCEndpoint.validate(request, server: server), to: request)
        case "/healthz":
            guard isRead else { return connection.respond(methodNotAllowed("GET, HEAD"), to: request) }
            connection.respond(.json(.ok, server.healthJSON()), to: request)
        case "/metrics":
            guard isRead else { return connection.respond(methodNotAllowed("GET, HEAD"), to: request) }
            connection.respond(HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: server.prometheusText()), to: request)
        case "/api/config":
            guard isRead else { return connection.respond(methodNotAllowed("GET, HEAD"), to: request) }
            connection.respond(.json(.ok, server.publicConfigJSON()), to: request)
        case CatalogMapEndpoint.path:
            CatalogMapEndpoint.handle(request, on: connection)
        case "/dev/token":
            guard server.configuration.dev else { fallthrough }
            guard isRead else { return connection.respond(methodNotAllowed("GET"), to: request) }
            connection.respond(DevTokenEndpoint.respond(request, server: server), to: request)
        default:
            if CatalogAPIRequest.handles(String(path)) {
                return CatalogAPI.route(request, on: connection)
            }
            if path.hasPrefix(TwirpRouter.prefix) {
                let answer = TwirpRouter.handle(request, server: server) { [weak connection] response in
                    connection?.respond(response, to: request)
                    connection?.finishResponse()
                }
                // No answer yet: later requests on this connection wait for it.
                answer.map { connection.respond($0, to: request) } ?? connection.beginResponse()
                return
            }
            // Browsers ask for /favicon.ico whatever the page links; the client's icon is SVG.
            switch server.staticFiles.serve(path: path == "/favicon.ico" ? "/favicon.svg" : path) {
            case .file(let response):
                // A file exists here: other methods are refused as such (RFC 9110 §15.5.6).
                guard isRead else { return connection.respond(methodNotAllowed("GET, HEAD"), to: request) }
                connection.respond(response, to: request)
            case .notFound: connection.respond(.text(.notFound, "not found: \(path)"), to: request)
            case .forbidden: connection.respond(.text(.notFound, "not found: \(path)"), to: request)
            }
        }
    }

    static func methodNotAllowed(_ allow: String) -> HTTPResponse {
        var r = HTTPResponse.text(.methodNotAllowed, "method not allowed; use \(allow)")
        r.headers.add("Allow", allow)
        return r
    }
}

extension WaveDefectServer {
    func healthJSON() -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("status"); w.string(isShuttingDown ? "shutting_down" : "ok")
        w.key("version"); w.string(WaveDefectServer.version)
        w.key("rooms"); w.int(registry.rooms.count)
        w.key("participants"); w.int(registry.rooms.values.reduce(0) { $0 + $1.participants.count })
        w.key("connections"); w.int(connections.count)
        w.key("tracks"); w.int(music?.index.count ?? 0)
        if let cluster { writeClusterHealth(cluster, to: &w) }
        w.endObject()
        return w.bytes
    }

    public static let version = "0.1.0"
}
