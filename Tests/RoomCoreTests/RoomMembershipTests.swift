import Testing
import WireJSON
import WireProtocol

@testable import RoomCore

@Suite struct RoomMembershipTests {
    @Test func joinedIsFirstAndDescribesRoomSelfOthersTokenAndSeq() throws {
        let config = RoomConfiguration(title: "Lab", metadata: "{\"d\":1}", emptyTimeout: 300, departureTimeout: 20, maxParticipants: 50, hostIdentity: "host")
        let h = RoomHarness(configuration: config)
        let (alice, _) = h.join("alice")
        _ = h.publish("chat", from: alice)
        _ = h.publish("chat", from: alice)
        let (bob, bobEP) = h.join("bob")

        #expect(bobEP.types == ["joined"])
        let joined = try #require(bobEP.messages.first)
        #expect(joined["type"] == "joined")
        let room = try #require(joined["room"])
        #expect(room["sid"] == "RM_test")
        #expect(room["name"] == "lab")
        #expect(room["title"] == "Lab")
        #expect(room["metadata"] == "{\"d\":1}")
        #expect(room["num_participants"] == 2)
        #expect(room["max_participants"] == 50)
        #expect(room["creation_time"]?.int64Value == origin.wallMilliseconds / 1000)
        #expect(room["empty_timeout"] == 300)
        #expect(room["departure_timeout"] == 20)
        #expect(room["host_identity"] == "host")

        let me = try #require(joined["participant"])
        #expect(me["sid"]?.stringValue == bob.sid)
        #expect(me["identity"] == "bob")
        #expect(me["name"] == "Bob")
        #expect(me["kind"] == "standard")
        #expect(me["joined_at_ms"]?.int64Value == origin.wallMilliseconds)
        #expect(me["joined_at"]?.int64Value == origin.wallMilliseconds / 1000)
        #expect(identities(joined["participants"]) == ["alice"])
        #expect(joined["resume_token"]?.stringValue == bob.resumeToken)
        #expect(joined["seq"] == 2)
        #expect(joined["resumed"] == false)
    }

    @Test func roomWithoutHostOmitsHostIdentity() throws {
        let h = RoomHarness()
        let (_, e) = h.join("alice")
        let room = try #require(e.messages.first?["room"])
        #expect(room.objectValue?.keys.contains("host_identity") == false)
    }

    @Test func participantJoinedGoesToOthersButNotTheJoiner() throws {
        let h = RoomHarness()
        let (_, aliceEP) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        aliceEP.clear()
        bobEP.clear()
        let (carol, carolEP) = h.join("carol")

        #expect(aliceEP.types == ["participant_joined"])
        #expect(bobEP.types == ["participant_joined"])
        #expect(carolEP.types == ["joined"])
        let announced = try #require(aliceEP.messages.first?["participant"])
        #expect(announced["identity"] == "carol")
        #expect(announced["sid"]?.stringValue == carol.sid)
        #expect(identities(carolEP.messages.first?["participants"]) == ["alice", "bob"])
    }

    @Test func hiddenParticipantIsNeitherAnnouncedNorListed() throws {
        let h = RoomHarness()
        let (_, aliceEP) = h.join("alice")
        aliceEP.clear()
        let (ghost, ghostEP) = h.join("ghost", permissions: .init(hidden: true))
        #expect(aliceEP.frames.isEmpty, "a hidden participant's join must not be announced")
        // The hidden participant itself still gets `joined`, listing the visible others.
        #expect(ghostEP.types == ["joined"])
        #expect(identities(ghostEP.messages.first?["participants"]) == ["alice"])

        let (_, bobEP) = h.join("bob")
        #expect(identities(bobEP.messages.first?["participants"]) == ["alice"])
        #expect(h.room.visibleParticipants.map(\.identity) == ["alice", "bob"])

        // Nor is its leaving.
        aliceEP.clear()
        h.apply(h.room.endpointClosed(ghost, endpoint: ghostEP, clean: true, now: h.now))
        #expect(aliceEP.frames.isEmpty)
        #expect(h.room.participant(identity: "ghost") == nil)
    }

    @Test func joinEmitsParticipantJoinedWebhook() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        #expect(h.webhookKinds() == ["participant_joined"])
        let event = try #require(h.webhooks.first)
        #expect(event.participant?.identity == "alice")
        #expect(event.participant?.sid == alice.sid)
        #expect(event.participant?.state == "ACTIVE")
        #expect(event.room.name == "lab")
        #expect(event.room.numParticipants == 1)
        #expect(event.createdAt == origin.wallMilliseconds / 1000)
    }

    @Test func duplicateIdentityReplacesTheOldConnection() throws {
        let h = RoomHarness()
        let (_, bobEP) = h.join("bob")
        let (oldAlice, oldEP) = h.join("alice")
        bobEP.clear()
        oldEP.clear()
        h.clearWebhooks()

        let (newAlice, newEP) = h.join("alice")
        #expect(oldEP.disconnectCodes == [RoomCloseCode.duplicateIdentity])
        #expect(RoomCloseCode.duplicateIdentity == 4000)
        #expect(oldEP.frames.isEmpty, "the replaced connection hears nothing more")

        #expect(bobEP.types == ["participant_left", "participant_joined"])
        let left = bobEP.messages[0]
        #expect(left["reason"] == "duplicate_identity")
        #expect(left["participant"]?["sid"]?.stringValue == oldAlice.sid)
        #expect(left["participant"]?["identity"] == "alice")
        #expect(bobEP.messages[1]["participant"]?["sid"]?.stringValue == newAlice.sid)

        #expect(newEP.types == ["joined"])
        #expect(identities(newEP.messages.first?["participants"]) == ["bob"])
        #expect(h.room.participants.filter { $0.identity == "alice" }.count == 1)
        #expect(h.room.participant(identity: "alice") === newAlice)
        #expect(h.webhookKinds() == ["participant_left", "participant_joined"])
    }

    @Test func duplicateIdentityOfASuspendedParticipantNeedsNoDisconnect() {
        let h = RoomHarness()
        let (_, bobEP) = h.join("bob")
        let (oldAlice, oldEP) = h.join("alice")
        h.drop(oldAlice)
        bobEP.clear()
        let (_, newEP) = h.join("alice")
        #expect(oldEP.disconnects.isEmpty)
        #expect(bobEP.types == ["participant_left", "participant_joined"])
        #expect(newEP.types == ["joined"])
        #expect(h.room.participants.count == 2)
    }

    @Test func cleanCloseIsAClientLeave() throws {
        let h = RoomHarness()
        let (alice, aliceEP) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        bobEP.clear()
        h.clearWebhooks()

        h.apply(h.room.endpointClosed(alice, endpoint: aliceEP, clean: true, now: h.now))
        #expect(bobEP.types == ["participant_left"])
        #expect(bobEP.messages.first?["reason"] == "client_leave")
        #expect(bobEP.messages.first?["participant"]?["identity"] == "alice")
        #expect(h.webhookKinds() == ["participant_left"])
        #expect(h.webhooks.first?.participant?.identity == "alice")
        #expect(h.room.participant(identity: "alice") == nil)
        #expect(aliceEP.disconnects.isEmpty, "the client closed; the room does not close it again")
    }

    @Test func droppedConnectionSuspendsWithoutPresence() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        bobEP.clear()
        h.clearWebhooks()

        h.drop(alice)
        #expect(bobEP.frames.isEmpty, "nobody sees a dropped participant leave")
        #expect(h.webhooks.isEmpty)
        #expect(alice.state == .suspended(deadline: h.now.monotonic + 20_000_000_000))
        #expect(alice.endpoint == nil)
        #expect(h.room.participant(identity: "alice") === alice)
        #expect(h.room.participantCount == 2)
        // A suspended participant is still listed to newcomers.
        let (_, carolEP) = h.join("carol")
        #expect(identities(carolEP.messages.first?["participants"]) == ["alice", "bob"])
    }

    @Test func droppedConnectionWithZeroDepartureTimeoutLeavesAtOnce() {
        let h = RoomHarness(configuration: RoomConfiguration(departureTimeout: 0))
        let (alice, _) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        bobEP.clear()
        h.drop(alice)
        #expect(bobEP.messages(ofType: "participant_left").first?["reason"] == "connection_lost")
        #expect(h.room.participant(identity: "alice") == nil)
    }

    @Test func staleEndpointCloseChangesNothing() {
        let h = RoomHarness()
        let (oldAlice, oldEP) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        let (newAlice, _) = h.join("alice")
        bobEP.clear()
        h.clearWebhooks()

        // The replaced connection finally closes, cleanly or not.
        #expect(h.room.endpointClosed(oldAlice, endpoint: oldEP, clean: true, now: h.now).isEmpty)
        #expect(h.room.endpointClosed(oldAlice, endpoint: oldEP, clean: false, now: h.now).isEmpty)
        // Closing the old endpoint in the name of the new participant changes nothing either.
        #expect(h.room.endpointClosed(newAlice, endpoint: oldEP, clean: true, now: h.now).isEmpty)
        #expect(h.room.participant(identity: "alice") === newAlice)
        #expect(newAlice.isActive)
        #expect(bobEP.frames.isEmpty)
        #expect(h.webhooks.isEmpty)
    }

    @Test func staleEndpointCloseAfterResumeChangesNothing() {
        let h = RoomHarness()
        let (alice, firstEP) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        let resumedEP = h.resume(alice, lastSeq: 0)
        bobEP.clear()
        #expect(h.room.endpointClosed(alice, endpoint: firstEP, clean: true, now: h.now).isEmpty)
        #expect(h.room.endpointClosed(alice, endpoint: firstEP, clean: false, now: h.now).isEmpty)
        #expect(alice.isActive)
        #expect(alice.endpoint === resumedEP)
        #expect(bobEP.frames.isEmpty)
    }

    @Test func leaveOfAParticipantNoLongerInTheRoomIsIgnored() {
        let h = RoomHarness()
        let (alice, aliceEP) = h.join("alice")
        h.apply(h.room.endpointClosed(alice, endpoint: aliceEP, clean: true, now: h.now))
        #expect(h.room.leave(alice, reason: .removed, now: h.now).isEmpty)
        #expect(h.room.connectionLost(alice, now: h.now).isEmpty)
    }

    @Test func leaveReasonsUseTheDocumentedNames() {
        let names: [LeaveReason: String] = [
            .clientLeave: "client_leave", .connectionLost: "connection_lost", .duplicateIdentity: "duplicate_identity",
            .removed: "removed", .slowConsumer: "slow_consumer",
        ]
        for (reason, name) in names { #expect(reason.rawValue == name) }
        #expect(RoomCloseCode.removed == 4001)
        #expect(RoomCloseCode.roomClosed == 4002)
        #expect(RoomCloseCode.slowConsumer == 4003)
        #expect(RoomCloseCode.resumedElsewhere == 4004)
    }

    @Test func removedParticipantLeavesWithReason() {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        bobEP.clear()
        h.apply(h.room.leave(alice, reason: .removed, now: h.now))
        #expect(bobEP.messages(ofType: "participant_left").first?["reason"] == "removed")
    }
}
