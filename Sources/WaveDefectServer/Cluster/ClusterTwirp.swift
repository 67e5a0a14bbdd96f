import ClusterCore
import EventLoop
import HTTPCore
import RedisClient

/// Twirp calls for rooms that live on another node (docs/cluster.md#cluster-wide-admin): the
/// node that got the call finds the room's node from its lease and hands the call over through
/// Redis pub/sub — the request to `wavedefect:calls:<owner>`, the answer back to
/// `wavedefect:answers:<caller>` — and answers with whatever the room's node answered.
///
/// Why Redis rather than HTTP to the owner: every node already holds both Redis connections,
/// nodes need no reachable, advertised address for each other (a node on 0.0.0.0 behind NAT,
/// or on a self-signed TLS port, would need one), and `PUBLISH` counts the receivers, so a dead
/// owner is known at once (0) instead of after a connect timeout.
///
/// A room's node that does not answer (dead, its lease not yet expired; stuck; Redis lost)
/// gives `unavailable` within `redis.timeout`, never a hang. The room's node checks the
/// caller's token itself (every node has the same keys) and never forwards again.
final class ClusterCalls {
    unowned let server: WaveDefectServer
    let nodeID: String
    let redis: RedisClient
    let timeoutMilliseconds: UInt64
    private var nextID: UInt64 = 1
    private var waiting: [UInt64: Waiting] = [:]

    private struct Waiting {
        let timer: LoopTimer
        let done: (HTTPResponse) -> Void
    }

    init(server: WaveDefectServer, nodeID: String, redis: RedisClient, timeout: Double) {
        self.server = server
        self.nodeID = nodeID
        self.redis = redis
        timeoutMilliseconds = UInt64(max(timeout, 0.1) * 1000)
    }

    func start() {
        redis.subscribe(ClusterKeys.calls(nodeID)) { [unowned self] bytes in self.serve(bytes) }
        redis.subscribe(ClusterKeys.answers(nodeID)) { [unowned self] bytes in self.received(bytes) }
    }

    // MARK: The node that got the call

    /// Hands `request` to the node holding `room`'s lease. `done(nil)`: no other node holds it
    /// (no lease, or this node's), so this node answers itself.
    func forward(_ request: HTTPRequest, room: String, done: @escaping (HTTPResponse?) -> Void) {
        redis.command(["GET", ClusterKeys.roomLease(room)]) { [weak self] result in
            guard let self else { return done(TwirpError.unavailable("node shutting down").response) }
            switch result {
            case .failure(let error):
                done(TwirpError.unavailable("cannot find the node of room '\(room)': \(error.message)").response)
            case .success(let value):
                guard let owner = value.text, owner != self.nodeID else { return done(nil) }
                self.send(request, to: owner, room: room, done: done)
            }
        }
    }

    /// Where a room that `CreateRoom` would start lives, decided by its lease before anything
    /// is created — the step a join takes (`ClusterKeys.leaseForJoinScript`), so a `CreateRoom`
    /// here and a join on another node in the same instant make one room. `.here`: this node
    /// took the lease (or held it), or Redis is unreachable (a node alone creates it, as a join
    /// would start it); `.on(node)`: another node holds it; `.failed`: Redis connected but
    /// silent for `redis.timeout` (a lease taken by a late answer is given back).
    func placeNewRoom(_ room: String, done: @escaping (RoomPlacement) -> Void) {
        let timeout = server.configuration.cluster.commandTimeout
        let ttl = server.cluster?.ttlMilliseconds ?? 5000
        let wait = LeaseWait(loop: server.loop, seconds: timeout) {
            done(.failed(.unavailable("Redis did not answer within \(timeout) s; try again")))
        }
        redis.command(["EVAL", ClusterKeys.leaseForJoinScript, "1", ClusterKeys.roomLease(room), nodeID, String(ttl)]) { [weak self] result in
            guard let self else { return }
            let holder = (try? result.get())?.text
            guard wait.finish() else {
                if holder == self.nodeID { self.releaseUnusedLease(room) }
                return
            }
            guard let holder, holder != self.nodeID else { return done(.here) }
            done(.on(holder))
        }
    }

    /// A lease `placeNewRoom` took for a room that was not created here (the call was refused,
    /// or answered after its timeout) goes back at once rather than blocking the name for a TTL.
    func releaseUnusedLease(_ room: String) {
        guard server.registry.room(named: room) == nil else { return }
        redis.command(["EVAL", ClusterKeys.releaseScript, "1", ClusterKeys.roomLease(room), nodeID])
    }

    /// Hands a `CreateRoom` to the node holding the room's lease, which answers it.
    func forwardCreate(_ request: HTTPRequest, room: String, to owner: String, done: @escaping (HTTPResponse) -> Void) {
        send(request, to: owner, room: room) { done($0 ?? TwirpError.unavailable("room '\(room)' lives on node '\(owner)'").response) }
    }

    private func send(_ request: HTTPRequest, to owner: String, room: String, done: @escaping (HTTPResponse?) -> Void) {
        publish(
            path: String(request.path), contentType: request.headers.first("Content-Type") ?? "", authorization: request.headers.first("Authorization") ?? "",
            body: request.body, to: owner, what: "room '\(room)' lives on node '\(owner)', which", reach: "the node of room '\(room)'", done: { done($0) })
    }

    /// A node-to-node call (`ClusterCalls.internalPrefix`, served by `ClusterAgents`): answered
    /// by `node`, or `unavailable` when it is not running, Redis fails, or no answer comes
    /// within the timeout.
    func call(_ path: String, body: [UInt8], on node: String, done: @escaping (HTTPResponse) -> Void) {
        publish(path: Self.internalPrefix + path, contentType: "application/json", authorization: "", body: body, to: node, what: "node '\(node)'", reach: "node '\(node)'", done: done)
    }

    private func publish(path: String, contentType: String, authorization: String, body: [UInt8], to owner: String, what: String, reach: String, done: @escaping (HTTPResponse) -> Void) {
        let id = nextID
        nextID += 1
        let call = ForwardedCall(id: id, from: nodeID, path: path, contentType: contentType, authorization: authorization, body: body)
        let timer = LoopTimer(loop: server.loop) { [unowned self] in
            self.finish(id, TwirpError.unavailable("\(what) did not answer within \(self.timeoutMilliseconds) ms").response)
        }
        timer.start(afterMilliseconds: timeoutMilliseconds)
        waiting[id] = Waiting(timer: timer, done: done)
        redis.command(bytes: [Array("PUBLISH".utf8), Array(ClusterKeys.calls(owner).utf8), call.encoded]) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let receivers) where (receivers.integer ?? 0) > 0:
                break  // the answer comes on this node's answers channel
            case .success:
                self.finish(id, TwirpError.unavailable("\(what) is not running (its lease has not expired yet)").response)
            case .failure(let error):
                self.finish(id, TwirpError.unavailable("cannot reach \(reach): \(error.message)").response)
            }
        }
    }

    private func received(_ bytes: [UInt8]) {
        guard let answer = ForwardedAnswer.decode(bytes) else { return }
        var headers = HTTPHeaders()
        if !answer.contentType.isEmpty { headers.add("Content-Type", answer.contentType) }
        finish(answer.id, HTTPResponse(status: HTTPStatus(answer.status), headers: headers, body: answer.body))
    }

    /// Answers the call once: the first of its answer, a refusal and its timeout wins.
    private func finish(_ id: UInt64, _ response: HTTPResponse) {
        guard let w = waiting.removeValue(forKey: id) else { return }
        w.timer.stop()
        w.done(response)
    }

    // MARK: The room's node

    /// Runs a forwarded call through the Twirp router as if it had arrived here (the token is
    /// checked again), and publishes the answer to the caller's node.
    private func serve(_ bytes: [UInt8]) {
        guard let call = ForwardedCall.decode(bytes) else { return }
        if call.path.hasPrefix(Self.internalPrefix) {
            let path = String(call.path.dropFirst(Self.internalPrefix.count))
            server.clusterAgents?.serve(path, body: call.body, from: call.from) { [weak self] status, body in
                let answer = ForwardedAnswer(id: call.id, status: status, contentType: "application/json", body: body)
                self?.redis.command(bytes: [Array("PUBLISH".utf8), Array(ClusterKeys.answers(call.from).utf8), answer.encoded])
            }
            return
        }
        guard call.path.hasPrefix(TwirpRouter.prefix) else { return }
        var headers = HTTPHeaders()
        headers.add("Content-Type", call.contentType)
        headers.add("Authorization", call.authorization)
        let request = HTTPRequest(method: "POST", target: call.path, headers: headers, body: call.body)
        let reply = { [weak self] (response: HTTPResponse) in
            guard let self else { return }
            let answer = ForwardedAnswer(id: call.id, status: response.status.code, contentType: response.headers.first("Content-Type") ?? "", body: response.body)
            self.redis.command(bytes: [Array("PUBLISH".utf8), Array(ClusterKeys.answers(call.from).utf8), answer.encoded])
        }
        if let response = TwirpRouter.handle(request, server: server, forwarded: true, later: reply) { reply(response) }
    }

    /// Paths of calls between nodes (never reachable over HTTP): Redis is inside the
    /// cluster's trust boundary, so they carry no token.
    static let internalPrefix = "cluster:"

    /// Shutdown: callers still waiting get `unavailable` now.
    func stop() {
        for id in waiting.keys.sorted() { finish(id, TwirpError.unavailable("node shutting down").response) }
    }
}

/// Where `CreateRoom` makes a new room (`ClusterCalls.placeNewRoom`).
enum RoomPlacement {
    case here
    case on(String)
    case failed(TwirpError)
}
