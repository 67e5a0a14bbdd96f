import Testing
import HTTPCore
import WireJSON
import WireProtocol

@testable import RoomCore

@Suite struct RoomLifecycleTests {
    @Test func roomNobodyJoinedClosesAfterEmptyTimeout() {
        let h = RoomHarness(configuration: RoomConfiguration(emptyTimeout: 300, departureTimeout: 20))
        h.advance(20)
        #expect(h.tick() == false, "departure_timeout does not apply to a room nobody joined")
        h.now = origin.plus(300).justBefore
        #expect(h.tick() == false)
        h.now = origin.plus(300)
        #expect(h.tick() == true)
    }

    @Test func anAgentAloneDoesNotKeepTheRoomOpen() {
        let h = RoomHarness(configuration: RoomConfiguration(emptyTimeout: 30, departureTimeout: 20))
        h.join("taster", kind: .agent)
        #expect(h.room.everJoined == false)
        #expect(h.room.participantCount == 0)
        h.advance(30)
        #expect(h.tick() == true)
    }

    @Test func roomClosesDepartureTimeoutAfterTheLastNonAgentLeft() {
        let h = RoomHarness(configuration: RoomConfiguration(emptyTimeout: 300, departureTimeout: 20))
        let (agent, _) = h.join("taster", kind: .agent)
        let (alice, aliceEP) = h.join("alice")
        h.advance(100)
        #expect(h.tick() == false)
        h.apply(h.room.endpointClosed(alice, endpoint: aliceEP, clean: true, now: h.now))
        let leftAt = h.now
        h.now = leftAt.plus(20).justBefore
        #expect(h.tick() == false)
        h.now = leftAt.plus(20)
        #expect(h.tick() == true, "the agent still present does not keep it open")
        #expect(h.room.participants.map(\.identity) == [agent.identity])
    }

    @Test func someoneJoiningAgainKeepsTheRoomOpen() {
        let h = RoomHarness(configuration: RoomConfiguration(departureTimeout: 20))
        let (alice, aliceEP) = h.join("alice")
        h.apply(h.room.endpointClosed(alice, endpoint: aliceEP, clean: true, now: h.now))
        h.advance(10)
        h.join("bob")
        h.advance(30)
        #expect(h.tick() == false)
    }

    @Test func suspendedParticipantKeepsTheRoomOpenUntilItExpires() {
        let h = RoomHarness(configuration: RoomConfiguration(emptyTimeout: 5, departureTimeout: 20))
        let (alice, _) = h.join("alice")
        h.drop(alice)
        h.advance(19)
        #expect(h.tick() == false)
        h.advance(1)
        #expect(h.tick() == false, "alice just left (connection_lost); the departure timeout starts now")
        #expect(h.room.participants.isEmpty)
        h.advance(20)
        #expect(h.tick() == true)
    }

    @Test func closeDisconnectsEveryoneAndReportsWebhooks() {
        let h = RoomHarness()
        let (_, aliceEP) = h.join("alice")
        let (_, agentEP) = h.join("taster", kind: .agent)
        let (_, ghostEP) = h.join("ghost", permissions: .init(hidden: true))
        let (bob, bobEP) = h.join("bob")
        h.drop(bob)
        for e in [aliceEP, agentEP, ghostEP, bobEP] { e.clear() }
        h.clearWebhooks()

        h.apply(h.room.close(reason: "bye", now: h.now))
        for e in [aliceEP, agentEP, ghostEP] {
            #expect(e.disconnectCodes == [4002], "\(e.label)")
            #expect(e.frames.isEmpty, "\(e.label)")
        }
        #expect(bobEP.disconnects.isEmpty, "a suspended participant has no connection to close")
        #expect(h.webhookKinds() == ["participant_left", "participant_left", "participant_left", "participant_left", "room_finished"])
        #expect(h.webhooks.compactMap(\.participant?.identity) == ["alice", "taster", "ghost", "bob"])
        #expect(h.webhooks.last?.participant == nil)
        #expect(h.webhooks.last?.room.numParticipants == 0)
        #expect(h.room.isClosed)
        #expect(h.room.participants.isEmpty)
        #expect(!h.room.admits(identity: "carol", isAgent: false))
        #expect(!h.room.admits(identity: "agent", isAgent: true))
        #expect(h.room.close(reason: "again", now: h.now).isEmpty)
    }

    @Test func agentsDoNotCountTowardMaxParticipants() {
        let h = RoomHarness(configuration: RoomConfiguration(maxParticipants: 2))
        h.join("taster", kind: .agent)
        h.join("alice")
        #expect(h.room.admits(identity: "bob", isAgent: false))
        let (bob, _) = h.join("bob")
        #expect(h.room.participantCount == 2)
        #expect(!h.room.admits(identity: "carol", isAgent: false))
        #expect(h.room.admits(identity: "alice", isAgent: false), "re-joining identity replaces itself")
        #expect(h.room.admits(identity: "recs", isAgent: true))
        h.drop(bob)
        #expect(!h.room.admits(identity: "carol", isAgent: false), "a suspended participant keeps its seat")
    }

    @Test func unlimitedRoomAdmitsEveryone() {
        let h = RoomHarness(configuration: RoomConfiguration(maxParticipants: 0))
        for i in 0..<20 { h.join("p\(i)") }
        #expect(h.room.admits(identity: "more", isAgent: false))
    }
}

@Suite struct RoomRegistryTests {
    func registry(
        definitions: [String: RoomConfiguration] = [:], defaults: RoomConfiguration = RoomConfiguration(), autoCreate: Bool = true
    ) -> RoomRegistry {
        RoomRegistry(definitions: definitions, defaultConfiguration: defaults, autoCreate: autoCreate, ids: IDGenerator(generator: SeededGenerator(seed: 7)))
    }

    /// Joins through the registry like the server does; returns the endpoint and webhooks seen.
    @discardableResult
    func join(_ r: RoomRegistry, _ room: String, _ identity: String, isAgent: Bool = false, now: RoomInstant, webhooks: inout [WebhookEvent]) throws -> RecordingEndpoint {
        let (target, actions) = try r.roomForJoin(room, identity: identity, isAgent: isAgent, now: now)
        var collected: [WebhookEvent] = []
        RoomHarness.perform(actions) { collected.append($0) }
        let info = ParticipantInfo(sid: r.makeParticipantSID(), identity: identity, name: identity, metadata: "", attributes: [:], kind: isAgent ? .agent : .standard, joinedAtMilliseconds: now.wallMilliseconds)
        let p = Participant(info: info, permissions: .init(), resumeToken: r.makeResumeToken())
        let e = RecordingEndpoint(identity)
        RoomHarness.perform(target.join(p, endpoint: e, now: now)) { collected.append($0) }
        webhooks += collected
        return e
    }

    @Test func joinCreatesTheRoomAndEmitsRoomStarted() throws {
        let r = registry()
        var hooks: [WebhookEvent] = []
        try join(r, "lab", "alice", now: origin, webhooks: &hooks)
        #expect(hooks.map(\.kind) == [.roomStarted, .participantJoined])
        #expect(hooks.first?.participant == nil)
        #expect(hooks.first?.room.name == "lab")
        let room = try #require(r.room(named: "lab"))
        #expect(room.sid.hasPrefix("RM_") && room.sid.count == 15)
        #expect(room.participants.first?.sid.hasPrefix("PA_") == true)
        #expect(room.participants.first?.resumeToken.count == 15)

        hooks.removeAll()
        try join(r, "lab", "bob", now: origin, webhooks: &hooks)
        #expect(hooks.map(\.kind) == [.participantJoined], "no second room_started")
        #expect(r.rooms.count == 1)
    }

    @Test func createReturnsTheExistingRoomAndAppliesOverrides() {
        let r = registry()
        let first = r.create("lab", now: origin) { $0.maxParticipants = 3 }
        #expect(first.created)
        #expect(first.actions.count == 1)
        #expect(first.room.configuration.maxParticipants == 3)
        let second = r.create("lab", now: origin.plus(1)) { $0.maxParticipants = 9 }
        #expect(!second.created)
        #expect(second.actions.isEmpty)
        #expect(second.room === first.room)
        #expect(second.room.configuration.maxParticipants == 3)
    }

    @Test func definitionsApplyTheirConfiguration() throws {
        let defined = RoomConfiguration(title: "WaveDefect Lab", metadata: "demo", maxParticipants: 50, hostIdentity: "host")
        let r = registry(definitions: ["wave-defect-lab": defined], defaults: RoomConfiguration(title: "default"))
        var hooks: [WebhookEvent] = []
        let e = try join(r, "wave-defect-lab", "alice", now: origin, webhooks: &hooks)
        #expect(r.room(named: "wave-defect-lab")?.configuration == defined)
        let room = try #require(e.messages.first?["room"])
        #expect(room["title"] == "WaveDefect Lab")
        #expect(room["metadata"] == "demo")
        #expect(room["host_identity"] == "host")
        try join(r, "other", "bob", now: origin, webhooks: &hooks)
        #expect(r.room(named: "other")?.configuration.title == "default")
    }

    @Test func withoutAutoCreateOnlyDefinedRoomsExist() throws {
        let r = registry(definitions: ["lab": RoomConfiguration()], autoCreate: false)
        var hooks: [WebhookEvent] = []
        #expect(throws: RoomRegistry.JoinRefusal.roomNotFound("nowhere")) {
            try join(r, "nowhere", "alice", now: origin, webhooks: &hooks)
        }
        #expect(RoomRegistry.JoinRefusal.roomNotFound("x").status.code == 404)
        #expect(r.room(named: "nowhere") == nil)
        #expect(hooks.isEmpty)
        try join(r, "lab", "alice", now: origin, webhooks: &hooks)
        #expect(r.room(named: "lab") != nil)
    }

    @Test func fullRoomRefusesNewcomersButAdmitsReturningIdentitiesAndAgents() throws {
        let r = registry(defaults: RoomConfiguration(maxParticipants: 1))
        var hooks: [WebhookEvent] = []
        let first = try join(r, "lab", "alice", now: origin, webhooks: &hooks)
        #expect(throws: RoomRegistry.JoinRefusal.roomFull("lab")) {
            try join(r, "lab", "bob", now: origin, webhooks: &hooks)
        }
        #expect(RoomRegistry.JoinRefusal.roomFull("lab").status.code == 403)
        try join(r, "lab", "alice", now: origin, webhooks: &hooks)
        #expect(first.disconnectCodes == [4000])
        try join(r, "lab", "taster", isAgent: true, now: origin, webhooks: &hooks)
        #expect(r.room(named: "lab")?.participants.count == 2)
    }

    @Test func tickClosesAndRemovesRoomsWhoseTimeIsUp() throws {
        let r = registry(defaults: RoomConfiguration(emptyTimeout: 60, departureTimeout: 10))
        var hooks: [WebhookEvent] = []
        _ = r.create("idle", now: origin)
        let agentEP = try join(r, "busy", "taster", isAgent: true, now: origin, webhooks: &hooks)
        try join(r, "busy", "alice", now: origin, webhooks: &hooks)

        var seen: [WebhookEvent] = []
        RoomHarness.perform(r.tick(now: origin.plus(60).justBefore)) { seen.append($0) }
        #expect(seen.isEmpty)
        #expect(r.rooms.count == 2)

        RoomHarness.perform(r.tick(now: origin.plus(60))) { seen.append($0) }
        #expect(seen.map(\.kind) == [.roomFinished])
        #expect(seen.first?.room.name == "idle")
        #expect(r.room(named: "idle") == nil)
        #expect(r.room(named: "busy") != nil)
        #expect(agentEP.disconnects.isEmpty)
    }

    @Test func tickExpiresTheLastParticipantThenClosesTheRoom() throws {
        let r = registry(defaults: RoomConfiguration(emptyTimeout: 600, departureTimeout: 10))
        var hooks: [WebhookEvent] = []
        let agentEP = try join(r, "lab", "taster", isAgent: true, now: origin, webhooks: &hooks)
        try join(r, "lab", "alice", now: origin, webhooks: &hooks)
        let room = try #require(r.room(named: "lab"))
        let alice = try #require(room.participant(identity: "alice"))
        RoomHarness.perform(room.endpointClosed(alice, endpoint: try #require(alice.endpoint), clean: false, now: origin)) { _ in }

        var seen: [WebhookEvent] = []
        RoomHarness.perform(r.tick(now: origin.plus(10))) { seen.append($0) }
        #expect(seen.map(\.kind) == [.participantLeft])
        #expect(agentEP.messages(ofType: "participant_left").first?["reason"] == "connection_lost")
        #expect(r.room(named: "lab") != nil)

        seen.removeAll()
        RoomHarness.perform(r.tick(now: origin.plus(20))) { seen.append($0) }
        #expect(seen.map(\.kind) == [.participantLeft, .roomFinished])
        #expect(seen.first?.participant?.identity == "taster")
        #expect(agentEP.disconnectCodes == [RoomCloseCode.roomClosed])
        #expect(r.rooms.isEmpty)
    }

    @Test func deleteClosesTheRoom() throws {
        let r = registry()
        var hooks: [WebhookEvent] = []
        let e = try join(r, "lab", "alice", now: origin, webhooks: &hooks)
        let room = try #require(r.room(named: "lab"))
        let actions = try #require(r.delete("lab", now: origin))
        var seen: [WebhookEvent] = []
        RoomHarness.perform(actions) { seen.append($0) }
        #expect(e.disconnectCodes == [4002])
        #expect(seen.map(\.kind) == [.participantLeft, .roomFinished])
        #expect(room.isClosed)
        #expect(r.room(named: "lab") == nil)
        #expect(r.delete("lab", now: origin) == nil)
    }

    @Test func closeAllUsesTheGivenCodeAndEmptiesTheRegistry() throws {
        let r = registry()
        var hooks: [WebhookEvent] = []
        let a = try join(r, "one", "alice", now: origin, webhooks: &hooks)
        let b = try join(r, "two", "bob", now: origin.plus(1), webhooks: &hooks)
        var seen: [WebhookEvent] = []
        RoomHarness.perform(r.closeAll(code: 1001, reason: "shutting down", now: origin.plus(2))) { seen.append($0) }
        #expect(a.disconnectCodes == [1001])
        #expect(b.disconnectCodes == [1001])
        #expect(a.disconnects.first?.reason == "shutting down")
        #expect(seen.map(\.kind) == [.participantLeft, .roomFinished, .participantLeft, .roomFinished])
        #expect(seen.map(\.room.name) == ["one", "one", "two", "two"], "rooms close in creation order")
        #expect(r.rooms.isEmpty)
    }

    @Test func sortedRoomsAreInCreationOrder() {
        let r = registry()
        _ = r.create("c", now: origin)
        _ = r.create("a", now: origin.plus(1))
        _ = r.create("b", now: origin.plus(2))
        #expect(r.sortedRooms.map(\.name) == ["c", "a", "b"])
    }
}
