import AgentKit
import Testing

@Suite struct AgentSupervisorTests {
    let room = AgentRoom(name: "lab", hostIdentity: "host", identity: "agent-taste", participants: [AgentParticipant(identity: "host")])
    let policy = AgentSupervisor.Policy(eventDeadline: 2, initialBackoff: 0.5, maxBackoff: 4, maxQueuedEvents: 3)
    let second: UInt64 = 1_000_000_000

    func message(_ n: Int) -> AgentEvent {
        .data(AgentMessage(topic: "t", sender: "host", payload: Array("\(n)".utf8), seq: UInt64(n)))
    }

    func job(_ actions: [AgentSupervisor.Action]) -> AgentSupervisor.Job? {
        for case .run(let j) in actions { return j }
        return nil
    }

    @Test func runsOneEventAtATimeInOrder() throws {
        var s = AgentSupervisor(policy: policy)
        let first = try #require(job(s.receive(.started(room), now: 0)))
        #expect(first.event == .started(room))
        #expect(s.receive(message(1), now: 1).isEmpty, "busy: the second event waits")
        let pub = AgentPublication(topic: "x", payload: Array("{}".utf8))
        let after = s.finished(job: first.id, result: .success([pub]), now: 2)
        #expect(after.first == .publish([pub]))
        #expect(job(after)?.event == message(1))
        #expect(job(after)?.generation == first.generation)
    }

    @Test func aThrowingAgentIsRestartedWithDoublingBackoffFromTheCurrentRoom() throws {
        var s = AgentSupervisor(policy: policy)
        let started = try #require(job(s.receive(.started(room), now: 0)))
        _ = s.finished(job: started.id, result: .success([]), now: 0)
        let bad = try #require(job(s.receive(message(1), now: 0)))
        _ = s.receive(.participantJoined(AgentParticipant(identity: "guest")), now: 0)
        _ = s.receive(message(2), now: 0)
        let failed = s.finished(job: bad.id, result: .failure(AgentError("boom")), now: 10)
        #expect(failed == [.discard(generation: 1, failure: .threw)])
        #expect(s.counters.failures == 1 && s.counters.restarts == 1)
        #expect(s.nextWakeup == 10 + second / 2)
        #expect(s.tick(now: 10 + second / 2 - 1).isEmpty, "still backing off")
        let restarted = try #require(job(s.tick(now: 10 + second / 2)))
        #expect(restarted.generation == 2)
        var expectedRoom = room
        expectedRoom.participants.append(AgentParticipant(identity: "guest"))
        #expect(restarted.event == .started(expectedRoom), "a fresh instance starts from the room as it is now")
        // It fails again at once: the backoff doubles.
        _ = s.finished(job: restarted.id, result: .failure(AgentError("boom")), now: 100)
        #expect(s.nextWakeup == 100 + second)
        let again = try #require(job(s.tick(now: 100 + second)))
        #expect(again.event == .started(expectedRoom))
        // A success resets the backoff; the data message that was waiting is still delivered.
        let next = s.finished(job: again.id, result: .success([]), now: 200)
        #expect(job(next)?.event == message(2))
    }

    @Test func anEventPastItsDeadlineAbandonsTheInstanceAndItsLateAnswerIsIgnored() throws {
        var s = AgentSupervisor(policy: policy)
        let started = try #require(job(s.receive(.started(room), now: 0)))
        #expect(s.nextWakeup == 2 * second)
        #expect(s.tick(now: 2 * second - 1).isEmpty)
        #expect(s.tick(now: 2 * second) == [.discard(generation: 1, failure: .timedOut)])
        #expect(s.counters.timeouts == 1)
        // The hung instance finally answers: too late, nothing is published.
        #expect(s.finished(job: started.id, result: .success([AgentPublication(topic: "x", payload: [])]), now: 3 * second).isEmpty)
        let restarted = try #require(job(s.tick(now: 3 * second)))
        #expect(restarted.generation == 2)
    }

    @Test func backoffIsCappedAtTheMaximum() throws {
        var s = AgentSupervisor(policy: policy)
        var now: UInt64 = 0
        var j = try #require(job(s.receive(.started(room), now: now)))
        for _ in 0..<8 {
            _ = s.finished(job: j.id, result: .failure(AgentError("x")), now: now)
            let wake = try #require(s.nextWakeup)
            #expect(wake - now <= 4 * second)
            now = wake
            j = try #require(job(s.tick(now: now)))
        }
        #expect(s.counters.restarts == 8)
    }

    @Test func aFullQueueDropsTheOldestDataMessage() throws {
        var s = AgentSupervisor(policy: policy)
        let started = try #require(job(s.receive(.started(room), now: 0)))
        for n in 1...4 { _ = s.receive(message(n), now: 0) }
        #expect(s.counters.droppedEvents == 1)
        let next = s.finished(job: started.id, result: .success([]), now: 0)
        #expect(job(next)?.event == message(2))
    }

    @Test func aStoppedSupervisorRunsNothing() throws {
        var s = AgentSupervisor(policy: policy)
        let started = try #require(job(s.receive(.started(room), now: 0)))
        s.stop()
        #expect(s.receive(message(1), now: 0).isEmpty)
        #expect(s.finished(job: started.id, result: .success([AgentPublication(topic: "x", payload: [])]), now: 0).isEmpty)
        #expect(s.nextWakeup == nil)
    }
}
