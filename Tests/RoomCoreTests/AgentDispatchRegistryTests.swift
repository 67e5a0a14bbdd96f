import Testing

@testable import RoomCore

/// The dispatch registry on its own: ids, waiting for a room, ending with it, limits.
@Suite struct AgentDispatchRegistryTests {
    let t0 = RoomInstant(monotonic: 1_000, wallMilliseconds: 1_700_000_000_000)
    let t1 = RoomInstant(monotonic: 2_000, wallMilliseconds: 1_700_000_005_000)

    @Test func aDispatchForARoomNotYetStartedWaitsAndStartsWithIt() throws {
        let registry = AgentDispatchRegistry()
        let (record, startNow) = try registry.create(agentName: "taste", room: "den", metadata: "m", now: t0)
        #expect(!startNow)
        #expect(record.id.hasPrefix("AD_") && record.id.count == 15)
        #expect(record.createdAtNanoseconds == 1_700_000_000_000_000_000)
        #expect(record.deletedAtNanoseconds == 0)
        #expect(registry.pendingRoomCount == 1)
        #expect(registry.roomStarted("den") == [record])
        #expect(registry.pendingRoomCount == 0)
        let (second, startsNow) = try registry.create(agentName: "recommender", room: "den", metadata: "", now: t1)
        #expect(startsNow)
        #expect(registry.list(room: "den").map(\.agentName) == ["taste", "recommender"])
        #expect(registry.list(room: "den", id: second.id) == [second])
        #expect(registry.list(room: "den", id: "AD_nope").isEmpty)
        #expect(registry.list(room: "elsewhere").isEmpty)
    }

    @Test func closingARoomEndsItsDispatchesAndTheNextInstanceStartsEmpty() throws {
        let registry = AgentDispatchRegistry()
        _ = registry.roomStarted("den")
        let (record, _) = try registry.create(agentName: "taste", room: "den", metadata: "", now: t0)
        let ended = registry.roomFinished("den", now: t1)
        #expect(ended.map(\.id) == [record.id])
        #expect(ended[0].deletedAtNanoseconds == 1_700_000_005_000_000_000)
        #expect(registry.list(room: "den").isEmpty)
        #expect(registry.roomStarted("den").isEmpty)
    }

    @Test func deleteReturnsTheRecordWithDeletedAtAndWhetherItRan() throws {
        let registry = AgentDispatchRegistry()
        let (waiting, _) = try registry.create(agentName: "taste", room: "den", metadata: "", now: t0)
        let deleted = try #require(registry.delete(id: waiting.id, room: "den", now: t1))
        #expect(!deleted.wasRunning)
        #expect(deleted.record.deletedAtNanoseconds == 1_700_000_005_000_000_000)
        #expect(registry.delete(id: waiting.id, room: "den", now: t1) == nil)
        _ = registry.roomStarted("den")
        let (running, _) = try registry.create(agentName: "taste", room: "den", metadata: "", now: t0)
        #expect(registry.delete(id: running.id, room: "other", now: t1) == nil, "the id must be of that room")
        #expect(registry.delete(id: running.id, room: "den", now: t1)?.wasRunning == true)
    }

    @Test func badArgumentsAndLimitsAreRefused() throws {
        let registry = AgentDispatchRegistry(limits: AgentDispatchLimits(maxPerRoom: 2, maxPendingRooms: 1, maxAgentNameBytes: 8, maxMetadataBytes: 4))
        #expect(throws: AgentDispatchError.invalid("agent_name is required")) {
            try registry.create(agentName: "", room: "den", metadata: "", now: t0)
        }
        #expect(throws: AgentDispatchError.invalid("agent_name is longer than 8 bytes")) {
            try registry.create(agentName: "recommender", room: "den", metadata: "", now: t0)
        }
        #expect(throws: AgentDispatchError.invalid("metadata is longer than 4 bytes")) {
            try registry.create(agentName: "taste", room: "den", metadata: "12345", now: t0)
        }
        _ = try registry.create(agentName: "taste", room: "den", metadata: "", now: t0)
        _ = try registry.create(agentName: "taste", room: "den", metadata: "", now: t0)
        do {
            _ = try registry.create(agentName: "taste", room: "den", metadata: "", now: t0)
            Issue.record("a third dispatch in a room of two was accepted")
        } catch {
            #expect(error.isLimit && error.message.contains("max_dispatches_per_room"))
        }
        do {
            _ = try registry.create(agentName: "taste", room: "hall", metadata: "", now: t0)
            Issue.record("a second waiting room was accepted with max_pending_rooms 1")
        } catch {
            #expect(error.isLimit && error.message.contains("max_dispatch_pending_rooms"))
        }
        _ = registry.roomStarted("hall")
        _ = try registry.create(agentName: "taste", room: "hall", metadata: "", now: t0)
        #expect(registry.list(room: "hall").count == 1, "a running room does not count as waiting")
    }
}
