import Testing
import WireJSON
import WireProtocol

@testable import RoomCore

@Suite struct RoomResumeTests {
    static let lossyCursor = RoomConfiguration(topics: ["cursor": TopicPolicy(reliable: false)])

    @Test func suspendedParticipantExpiresAfterDepartureTimeout() throws {
        let h = RoomHarness(configuration: RoomConfiguration(departureTimeout: 20))
        let (_, aliceEP) = h.join("alice")
        let (bob, _) = h.join("bob")
        h.drop(bob)
        aliceEP.clear()
        h.clearWebhooks()

        h.advance(20)
        h.now = h.now.justBefore
        #expect(h.tick() == false)
        #expect(aliceEP.frames.isEmpty, "not gone before departure_timeout")
        #expect(h.room.participant(identity: "bob") === bob)

        h.advance(0.000_000_001)
        #expect(h.tick() == false)
        #expect(aliceEP.types == ["participant_left"])
        #expect(aliceEP.messages.first?["reason"] == "connection_lost")
        #expect(aliceEP.messages.first?["participant"]?["identity"] == "bob")
        #expect(h.webhookKinds() == ["participant_left"])
        #expect(h.room.participant(identity: "bob") == nil)
        #expect(h.room.participant(resumeToken: bob.resumeToken) == nil)
    }

    @Test func resumeIsOnlyPossibleBeforeTheDeadline() throws {
        let h = RoomHarness(configuration: RoomConfiguration(departureTimeout: 20))
        let (bob, _) = h.join("bob")
        #expect(h.room.canResume(bob, now: h.now), "an active participant whose drop is not noticed yet")
        h.drop(bob)
        h.advance(19)
        #expect(h.room.canResume(bob, now: h.now))
        h.advance(1)
        #expect(!h.room.canResume(bob, now: h.now), "no tick ran, but the window is over")
    }

    @Test func resumeKeepsSidAndReplaysExactlyTheMissedReliableMessages() throws {
        let h = RoomHarness(configuration: Self.lossyCursor)
        let (alice, aliceEP) = h.join("alice")
        let (bob, _) = h.join("bob")
        let (carol, _) = h.join("carol")
        try h.room.subscribe(bob, topics: ["chat", "cursor"])
        _ = try h.publish("chat", #"{"own":1}"#, from: bob).get()               // seq 1: its own
        let lastSeq = h.room.seq
        h.drop(bob)
        aliceEP.clear()

        _ = try h.publish("chat", #"{"n":2}"#, from: alice).get()                // seq 2: replayed
        _ = try h.publish("cursor", #"{"x":3}"#, from: alice).get()              // seq 3: lossy topic
        _ = try h.publish("chat", #"{"n":4}"#, from: carol, destinations: ["alice"]).get()  // seq 4: not for bob
        _ = try h.publish("chat", #"{"n":5}"#, from: alice, destinations: ["bob"]).get()    // seq 5: for bob
        _ = try h.publish("news", #"{"n":6}"#, from: alice).get()                // seq 6: not subscribed
        _ = try h.publish("chat", #"{"n":7}"#, from: carol, reliable: false).get()         // seq 7: lossy override
        _ = try h.publish("cursor", #"{"n":8}"#, from: carol, reliable: true).get()        // seq 8: reliable override
        _ = try h.publish("chat", #"{"n":9}"#, from: nil).get()                  // seq 9: from the server
        h.advance(19)

        let e = h.resume(bob, lastSeq: lastSeq)
        #expect(h.room.participant(identity: "bob") === bob)
        #expect(e.types == ["joined", "resumed", "data", "data", "data", "data"])
        let joined = e.messages[0]
        #expect(joined["resumed"] == true)
        #expect(joined["participant"]?["sid"]?.stringValue == bob.sid)
        #expect(joined["seq"] == 9)
        #expect(identities(joined["participants"]) == ["alice", "carol"])
        let resumed = e.messages[1]
        #expect(resumed["last_seq"] == 1)
        #expect(resumed["seq"] == 9)
        #expect(resumed["replayed"] == 4)
        #expect(resumed["gap"] == false)
        #expect(resumed["gap_topics"] == [])
        #expect(e.dataSeqs == [2, 5, 8, 9])
        let payloads: [JSONValue] = [["n": 2], ["n": 5], ["n": 8], ["n": 9]]
        #expect(e.dataMessages.compactMap { $0["payload"] } == payloads)
        #expect(e.frames.allSatisfy { !$0.lossy })
        #expect(aliceEP.types.filter { $0.hasPrefix("participant_") }.isEmpty, "nobody sees a resume")
        #expect(bob.isActive)

        // Live traffic flows to the new connection.
        _ = try h.publish("chat", from: alice).get()
        #expect(e.dataSeqs.last == 10)
        // And the resumed participant no longer expires.
        h.advance(60)
        _ = h.tick()
        #expect(h.room.participant(identity: "bob") === bob)
    }

    @Test func replayIsInSeqOrderAcrossTopics() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (bob, _) = h.join("bob")
        h.drop(bob)
        for topic in ["b", "a", "c", "a", "b", "c"] { _ = try h.publish(topic, from: alice).get() }
        let e = h.resume(bob, lastSeq: 2)
        #expect(e.dataSeqs == [3, 4, 5, 6])
        #expect(e.messages[1]["replayed"] == 4)
    }

    @Test func replayFollowsWildcardSubscriptions() throws {
        let h = RoomHarness()
        let (agent, _) = h.join("taster", kind: .agent)
        let (bob, _) = h.join("bob")
        try h.room.subscribe(bob, topics: ["agent.*"])
        h.drop(bob)
        _ = try h.publish("agent.taste", from: agent).get()
        _ = try h.publish("agents", from: agent).get()
        _ = try h.publish("agent.recs", from: agent).get()
        let e = h.resume(bob, lastSeq: 0)
        #expect(e.dataMessages.compactMap { $0["topic"]?.stringValue } == ["agent.taste", "agent.recs"])
    }

    @Test func participantWithoutCanSubscribeGetsNoReplay() throws {
        let h = RoomHarness(configuration: RoomConfiguration(replayBufferSize: 1))
        let (alice, _) = h.join("alice")
        let (bob, _) = h.join("bob", permissions: .init(canSubscribe: false))
        h.drop(bob)
        for _ in 0..<3 { _ = try h.publish("chat", from: alice).get() }
        let e = h.resume(bob, lastSeq: 0)
        #expect(e.types == ["joined", "resumed"])
        #expect(e.messages[1]["replayed"] == 0)
        #expect(e.messages[1]["gap"] == false, "it could never have received them")
    }

    @Test func binaryReliableMessagesAreReplayedAsBinaryFrames() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (bob, _) = h.join("bob")
        h.drop(bob)
        _ = try h.publishBinary("stems", [1, 2, 3], from: alice).get()
        let e = h.resume(bob, lastSeq: 0)
        #expect(e.types == ["joined", "resumed", "<binary>"])
        #expect(e.frames.last?.frame.payload.suffix(3) == [1, 2, 3])
    }

    struct GapCase: Sendable, CustomTestStringConvertible {
        let lastSeq: UInt64
        let gap: Bool
        let replayed: [Int64]
        var testDescription: String { "last_seq \(lastSeq)" }
    }

    @Test(arguments: [
        GapCase(lastSeq: 0, gap: true, replayed: [3, 4]), GapCase(lastSeq: 1, gap: true, replayed: [3, 4]),
        GapCase(lastSeq: 2, gap: false, replayed: [3, 4]), GapCase(lastSeq: 3, gap: false, replayed: [4]),
        GapCase(lastSeq: 4, gap: false, replayed: []),
    ])
    func gapIsReportedWhenNeededMessagesWereEvicted(_ c: GapCase) throws {
        let (lastSeq, gap, replayed) = (c.lastSeq, c.gap, c.replayed)
        let h = RoomHarness(configuration: RoomConfiguration(replayBufferSize: 2))
        let (alice, _) = h.join("alice")
        let (bob, _) = h.join("bob")
        h.drop(bob)
        for n in 1...4 { _ = try h.publish("chat", "\(n)", from: alice).get() }
        let e = h.resume(bob, lastSeq: lastSeq)
        let resumed = try #require(e.messages(ofType: "resumed").first)
        #expect(resumed["gap"]?.boolValue == gap)
        #expect(resumed["gap_topics"] == (gap ? JSONValue.array(["chat"]) : JSONValue.array([])))
        #expect(resumed["replayed"]?.int64Value == Int64(replayed.count))
        #expect(e.dataSeqs == replayed)
    }

    @Test func gapTopicsAreSortedAndOnlyTopicsTheParticipantHears() throws {
        let config = RoomConfiguration(replayBufferSize: 1024, topics: ["zeta": TopicPolicy(replay: 1), "alpha": TopicPolicy(replay: 1), "muted": TopicPolicy(replay: 1)])
        let h = RoomHarness(configuration: config)
        let (alice, _) = h.join("alice")
        let (bob, _) = h.join("bob")
        try h.room.unsubscribe(bob, topics: ["muted"])
        h.drop(bob)
        for topic in ["zeta", "alpha", "muted", "zeta", "alpha", "muted", "big"] { _ = try h.publish(topic, from: alice).get() }
        let e = h.resume(bob, lastSeq: 0)
        let resumed = try #require(e.messages(ofType: "resumed").first)
        #expect(resumed["gap"] == true)
        #expect(resumed["gap_topics"] == ["alpha", "zeta"])
        // zeta keeps seq 4, alpha seq 5, big (room-sized buffer) seq 7.
        #expect(e.dataSeqs == [4, 5, 7])
    }

    @Test func zeroReplayBufferAlwaysReportsAGap() throws {
        let h = RoomHarness(configuration: RoomConfiguration(topics: ["chat": TopicPolicy(replay: 0)]))
        let (alice, _) = h.join("alice")
        let (bob, _) = h.join("bob")
        h.drop(bob)
        _ = try h.publish("chat", from: alice).get()
        let e = h.resume(bob, lastSeq: 0)
        let resumed = try #require(e.messages(ofType: "resumed").first)
        #expect(resumed["gap_topics"] == ["chat"])
        #expect(resumed["replayed"] == 0)
    }

    @Test func resumeWhileOldEndpointIsAttachedDisconnectsItWith4004() throws {
        let h = RoomHarness()
        let (alice, aliceEP) = h.join("alice")
        let (bob, oldEP) = h.join("bob")
        aliceEP.clear()
        oldEP.clear()
        _ = try h.publish("chat", from: alice).get()
        oldEP.clear()

        let e = h.resume(bob, lastSeq: 0)
        #expect(oldEP.disconnectCodes == [RoomCloseCode.resumedElsewhere])
        #expect(oldEP.frames.isEmpty)
        #expect(bob.endpoint === e)
        #expect(e.types == ["joined", "resumed", "data"])
        #expect(aliceEP.frames.isEmpty)
        #expect(h.room.participants.count == 2)
    }

    @Test func suspendedParticipantHearsNothingUntilItResumes() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (bob, bobEP) = h.join("bob")
        h.drop(bob)
        bobEP.clear()
        _ = try h.publish("chat", from: alice).get()
        let (carol, _) = h.join("carol", permissions: .init(canUpdateOwnMetadata: true))
        h.apply(try h.room.update(carol, try updateRequest(#"{"type":"update","name":"C"}"#), limits: ParticipantInfoLimits()))
        h.apply(h.room.updateMetadata("new"))
        _ = h.room.leave(carol, reason: .clientLeave, now: h.now)
        #expect(bobEP.frames.isEmpty)
        #expect(bob.endpoint == nil)
    }
}

@Suite struct RoomBudgetTests {
    @Test func theRoomsReplayStaysWithinItsByteBudgetDroppingTheOldestFirst() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (bob, _) = h.join("bob")
        let limits = DataLimits(maxReplayBytesPerRoom: 2_000)
        let pad = String(repeating: "x", count: 300)
        // Alternate two topics; each frame is ~400 bytes, so only the newest ~5 fit.
        for i in 0..<20 {
            _ = try h.publish(i % 2 == 0 ? "a" : "b", #"{"n":\#(i),"p":"\#(pad)"}"#, from: alice, limits: limits).get()
        }
        #expect(h.room.replayBytes <= 2_000)
        #expect(h.room.replayBytes > 1_000)
        h.drop(bob)
        let e = h.resume(bob, lastSeq: 0)
        let resumed = e.messages.first { $0["type"] == "resumed" }
        #expect(resumed?["gap"] == true)
        #expect(resumed?["gap_topics"] == ["a", "b"])
        // What was replayed is the newest messages, in order, across both topics.
        let replayed = e.messages.filter { $0["type"] == "data" }.compactMap { $0["payload"]?["n"]?.int64Value }
        #expect(!replayed.isEmpty && replayed == Array(Int64(20 - replayed.count)..<20))
    }

    @Test func aRoomRefusesTopicsBeyondItsLimit() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let limits = DataLimits(maxTopicsPerRoom: 3)
        for t in ["a", "b", "c"] { _ = try h.publish(t, "1", from: alice, limits: limits).get() }
        #expect(throws: ProtocolError.self) { try h.publish("d", "1", from: alice, limits: limits).get() }
        _ = try h.publish("a", "2", from: alice, limits: limits).get()  // known topics still work
    }

    /// Issue 12: a guest who published to 10,000 junk topics made the room's own
    /// `recommendations` topic unpublishable until the room closed.
    @Test func definedTopicsAreReservedAndOneParticipantOpensOnlyItsShare() throws {
        var configuration = RoomConfiguration()
        configuration.topics["recommendations"] = TopicPolicy(publishers: .only(host: false, agents: true, identities: []))
        let h = RoomHarness(configuration: configuration)
        let (guest, _) = h.join("guest")
        let (other, _) = h.join("other")
        let (agent, _) = h.join("recs", kind: .agent)
        var limits = DataLimits(maxTopicsPerRoom: 40)
        limits.maxTopicsPerParticipant = 32
        for i in 0..<32 { _ = try h.publish("junk-\(i)", "1", from: guest, limits: limits).get() }
        #expect(throws: ProtocolError.badMessage("one participant may open at most 32 topics in a room")) {
            try h.publish("junk-32", "1", from: guest, limits: limits).get()
        }
        _ = try h.publish("junk-0", "2", from: guest, limits: limits).get()  // its own topics still work
        for i in 0..<8 { _ = try h.publish("more-\(i)", "1", from: other, limits: limits).get() }
        #expect(throws: ProtocolError.badMessage("this room already carries 40 topics")) {
            try h.publish("more-8", "1", from: other, limits: limits).get()
        }
        // The room is full of junk, and its defined topic is still open.
        _ = try h.publish("recommendations", "{}", from: agent, limits: limits).get()
        #expect(h.room.openedTopics == 40)
    }

    /// A cluster re-created the room after its node died: the client's resume finds no
    /// participant, and is told right after `joined` that everything after `last_seq` is lost.
    @Test func aJoinThatCouldNotResumeReportsTheLoss() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        _ = try h.publish("chat", #"{"n":1}"#, from: alice).get()
        let bob = h.makeParticipant("bob")
        let e = RecordingEndpoint("bob")
        h.apply(h.room.join(bob, endpoint: e, now: h.now, unresumable: 41))
        #expect(e.types == ["joined", "resumed"])
        #expect(e.messages[0]["resumed"] == false)
        let resumed = e.messages[1]
        #expect(resumed["last_seq"] == 41)
        #expect(resumed["seq"] == 1)
        #expect(resumed["replayed"] == 0)
        #expect(resumed["gap"] == true)
        #expect(resumed["gap_topics"] == [])
        #expect(resumed["new_participant"] == true)
        // An ordinary join says nothing of the kind.
        let (_, carolEP) = h.join("carol")
        #expect(carolEP.types == ["joined"])
    }
}
