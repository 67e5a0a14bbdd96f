import Dispatch
import Foundation
import TestSupport
import Testing
import WireJSON

/// The relay's edge cases that used to be known limits (docs/cluster.md#connect-anywhere):
/// one real `redis-server` and two `wavedefect serve` nodes for the suite.
@Suite(.blocking) struct ClusterRaceAndLossTests {
    final class Nodes: @unchecked Sendable {
        let redis: RedisServerProcess
        let a: ServerProcess
        let b: ServerProcess

        init() throws {
            redis = try RedisServerProcess()
            a = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-a"])
            b = try ServerProcess(arguments: ["--redis", redis.url, "--node-id", "node-b"])
        }
    }

    nonisolated(unsafe) static var started: Nodes?
    static let lock = NSLock()

    let nodes: Nodes

    init() throws {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        if let n = Self.started {
            nodes = n
        } else {
            nodes = try Nodes()
            Self.started = nodes
        }
    }

    /// Many clients join one new room name through both nodes at the same instant: the lease
    /// decides before the room exists, so there is one room and everyone sees everyone.
    @Test func joinsToOneNewRoomFiredAtTwoNodesAtOnceMakeOneRoom() throws {
        let perNode = 4
        for round in 0..<4 {
            let room = ServerProcess.uniqueRoom("race\(round)")
            let servers = [nodes.a, nodes.b]
            let identities = (0..<2 * perNode).map { "p\($0)" }
            // Tokens first, so the connects themselves start together.
            let tokens = identities.enumerated().map { i, id in servers[i % 2].token(id, room: room) }
            let sockets = Locked<[Int: TestWebSocket]>([:])
            let failures = Locked<[String]>([])
            DispatchQueue.concurrentPerform(iterations: identities.count) { i in
                do {
                    let ws = try TestWebSocket(port: servers[i % 2].port, token: tokens[i])
                    sockets.withLock { $0[i] = ws }
                } catch {
                    failures.withLock { $0.append("\(identities[i]): \(error)") }
                }
            }
            #expect(failures.value.isEmpty, "\(failures.value)")
            let all = sockets.value
            try #require(all.count == identities.count)
            // Everyone sees the other seven: in `joined`, or joining after.
            for (i, ws) in all.sorted(by: { $0.key < $1.key }) {
                let joined = try ws.next(type: "joined")
                var seen = Set(joined["participants"]?.arrayValue?.compactMap { $0["identity"]?.stringValue } ?? [])
                let others = Set(identities).subtracting([identities[i]])
                let deadline = Date().addingTimeInterval(10)
                while !others.isSubset(of: seen), Date() < deadline {
                    let event = try ws.nextJSON(timeout: max(0.01, deadline.timeIntervalSinceNow))
                    if event["type"] == "participant_joined", let id = event["participant"]?["identity"]?.stringValue { seen.insert(id) }
                }
                #expect(others.isSubset(of: seen), "round \(round): \(identities[i]) on node \(i % 2 == 0 ? "a" : "b") saw \(seen.sorted())")
            }
            // One lease, and one node runs the room: no conflict was logged.
            let holder = try #require(nodes.redis.get("wavedefect:room:\(room)"))
            #expect(holder == "node-a" || holder == "node-b")
            for ws in all.values { try? ws.close() }
        }
        #expect(!nodes.a.log.contains("room is leased by another node"))
        #expect(!nodes.b.log.contains("room is leased by another node"))
    }
}

/// A value several threads of a test write.
final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.withLock { body(&stored) }
    }
}
