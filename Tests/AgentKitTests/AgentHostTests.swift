import AgentKit
import AgentRuntime
import Dispatch
import EventLoop
import Glibc
import Logging
import Synchronization
import SystemClock
import Testing
import WireJSON

/// The runtime on a real loop, without sockets: events reach the agent off the loop thread,
/// and an agent that throws or hangs is replaced with a fresh instance.
@Suite struct AgentHostTests {
    /// Holds a `"hang"` until the test lets it go, so the hang outlasts the deadline however
    /// the machine schedules threads (a fixed sleep races the deadline on a loaded machine).
    final class Gate: Sendable {
        let release = DispatchSemaphore(value: 0)
        let returned = Atomic(false)
    }

    /// Echoes data messages on `echo`; `"boom"` throws, `"hang"` blocks until `gate` opens.
    final class ScriptedAgent: Agent {
        let created: Int
        let gate: Gate
        init(created: Int, gate: Gate) {
            self.created = created
            self.gate = gate
        }

        func handle(_ event: AgentEvent) throws -> [AgentPublication] {
            guard case .data(let m) = event else { return [] }
            let text = String(decoding: m.payload, as: UTF8.self)
            if text == "\"boom\"" { throw AgentError("boom") }
            if text == "\"hang\"" {
                gate.release.wait()
                gate.returned.store(true, ordering: .sequentiallyConsistent)
            }
            return [AgentPublication(topic: "echo", payload: Array("{\"instance\":\(created),\"got\":\(text)}".utf8), destinations: m.sender.map { [$0] })]
        }
    }

    static let joined: JSONValue = [
        "type": "joined", "room": ["name": "lab", "host_identity": "host"], "participant": ["identity": "agent-echo", "kind": "agent"],
        "participants": [["identity": "host", "kind": "standard"]], "resume_token": "r", "seq": 0,
    ]

    static func data(_ payload: JSONValue, from: String = "host", seq: Int) -> JSONValue {
        ["type": "data", "topic": "t", "from": .string(from), "seq": .number(Double(seq)), "payload": payload]
    }

    /// The deadline is what every ordinary event must also meet (creating an instance on a
    /// fresh thread included), so it leaves room for a machine loaded by parallel builds;
    /// the hang itself never ends before the test opens the gate.
    func makeHost(_ loop: EventLoop, metrics: AgentMetrics, gate: Gate = Gate(), published: @escaping ([AgentPublication]) -> Void) -> AgentHost {
        let instances = Mutex(0)
        let make: AgentFactory.Make = { _ in
            let n = instances.withLock { n in
                n += 1
                return n
            }
            return ScriptedAgent(created: n, gate: gate)
        }
        return AgentHost(
            setup: AgentSetup(agentName: "echo", room: "lab", identity: "agent-echo"), make: make, loop: loop,
            policy: .init(eventDeadline: 2, initialBackoff: 0.05, maxBackoff: 1), metrics: metrics, logger: Logger(label: "test"),
            publish: published
        )
    }

    @Test func failuresAreRestartedAndCountedWhileTheRoomGoesOn() throws {
        let loop = try EventLoop()
        let metrics = AgentMetrics()
        var published: [String] = []
        let gate = Gate()
        let host = makeHost(loop, metrics: metrics, gate: gate) { pubs in published += pubs.map { String(decoding: $0.payload, as: UTF8.self) } }
        host.receive(Self.joined)
        host.receive(Self.data("one", seq: 1))
        #expect(runLoop(loop) { published.count == 1 })
        #expect(published == [#"{"instance":1,"got":"one"}"#])

        host.receive(Self.data("boom", seq: 2))
        host.receive(Self.data("two", seq: 3))
        #expect(runLoop(loop) { published.count == 2 })
        #expect(published.last == #"{"instance":2,"got":"two"}"#, "a fresh instance answers after the throw")
        #expect(metrics.byAgent["echo"]?.failures == 1)

        host.receive(Self.data("hang", seq: 4))
        host.receive(Self.data("three", seq: 5))
        #expect(runLoop(loop) { published.count == 3 })
        #expect(published.last == #"{"instance":3,"got":"three"}"#, "the hung instance was abandoned at its deadline")
        #expect(metrics.byAgent["echo"]?.timeouts == 1)
        #expect(metrics.byAgent["echo"]?.restarts == 2)
        // The hung instance's late answer never comes out: let it finish, then give its
        // result time to reach the loop.
        gate.release.signal()
        #expect(runLoop(loop) { gate.returned.load(ordering: .sequentiallyConsistent) })
        runLoop(loop, timeout: 0.5) { published.count > 3 }
        #expect(published.count == 3)
        host.stop()
        #expect(metrics.running["echo"] == 0)
        loop.close()
    }

    @Test func hiddenSendersAreMarkedAndAnswersGoToTheSender() throws {
        let loop = try EventLoop()
        var publications: [AgentPublication] = []
        var events: [AgentEvent] = []
        var view = AgentRoomView()
        events += view.events(for: Self.joined)
        events += view.events(for: Self.data("x", from: "observer", seq: 1))
        events += view.events(for: Self.data("y", from: "host", seq: 2))
        guard case .data(let hidden) = events[1], case .data(let visible) = events[2] else {
            Issue.record("expected data events, got \(events)")
            return
        }
        #expect(hidden.senderHidden && !visible.senderHidden)
        #expect(view.lastSeq == 2)
        let host = makeHost(loop, metrics: AgentMetrics()) { publications += $0 }
        host.receive(Self.joined)
        host.receive(Self.data("hi", from: "host", seq: 3))
        #expect(runLoop(loop) { !publications.isEmpty })
        #expect(publications.first?.destinations == ["host"])
        host.stop()
        loop.close()
    }
}

@discardableResult
func runLoop(_ loop: EventLoop, timeout: Double = 10, until done: () -> Bool) -> Bool {
    let tick = LoopTimer(loop: loop) {}
    tick.start(afterMilliseconds: 5, repeatMilliseconds: 5)
    defer { tick.stop() }
    let deadline = SystemClock.monotonicNanoseconds + UInt64(timeout * 1e9)
    while !done() {
        if SystemClock.monotonicNanoseconds >= deadline { return false }
        loop.runOnce(block: true)
    }
    return true
}
