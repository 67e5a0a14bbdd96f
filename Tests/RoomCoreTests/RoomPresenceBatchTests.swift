import ByteStorage
import Testing
import WireJSON
import WireProtocol

@testable import RoomCore

/// Presence batched per loop turn (issue 12, "a crowded room costs O(N²)"): the joins and
/// leaves of one turn reach each member as one delivery, encoded once, and a big batch is
/// handed out a bounded number of recipients per turn.
@Suite struct RoomPresenceBatchTests {
    /// Identities announced by the `participant_joined` / `participant_left` frames an
    /// endpoint received, as "+id" / "-id".
    static func changes(_ e: RecordingEndpoint) -> [String] {
        e.messages.compactMap { m in
            let id = m["participant"]?["identity"]?.stringValue ?? "?"
            switch m["type"]?.stringValue {
            case "participant_joined": return "+" + id
            case "participant_left": return "-" + id
            default: return nil
            }
        }
    }

    @Test func kJoinsInOneTurnReachEachMemberAsOneDelivery() throws {
        let h = RoomHarness()
        let members = (0..<5).map { h.join("m\($0)") }
        for (_, e) in members { e.clear() }

        var newcomers: [RecordingEndpoint] = []
        h.inOneTurn {
            for i in 0..<4 { newcomers.append(h.join("n\(i)").endpoint) }
            // Nothing reaches the members before the turn ends.
            for (_, e) in members { #expect(e.deliveries == 0) }
        }

        for (_, e) in members {
            #expect(e.deliveries == 1, "one presence delivery per member for 4 joins")
            #expect(Self.changes(e) == ["+n0", "+n1", "+n2", "+n3"])
        }
        // Each newcomer got `joined` (listing everyone in before it) and, in one delivery,
        // only the arrivals after its own.
        for (i, e) in newcomers.enumerated() {
            let joined = try #require(e.messages.first)
            #expect(joined["type"] == "joined")
            #expect(identities(joined["participants"]) == (0..<5).map { "m\($0)" } + (0..<i).map { "n\($0)" })
            #expect(Self.changes(e) == (i + 1..<4).map { "+n\($0)" })
            #expect(e.deliveries == (i < 3 ? 2 : 1))
        }
    }

    @Test func theBatchIsEncodedOnceAndSharedByEveryMember() throws {
        let h = RoomHarness()
        for i in 0..<3 { h.join("m\(i)") }
        var actions: [RoomAction] = []
        h.inOneTurn {
            for i in 0..<3 {
                let p = h.makeParticipant("n\(i)")
                actions += h.apply(h.room.join(p, endpoint: RecordingEndpoint("n\(i)"), now: h.now))
            }
        }
        let pending = actions.filter { if case .presencePending = $0 { return true } else { return false } }
        #expect(pending.count == 1, "the room asks once per turn, not once per join")

        // A turn taken apart: one broadcast of one buffer to the three old members.
        let h2 = RoomHarness()
        for i in 0..<3 { h2.join("m\(i)") }
        _ = h2.room.join(h2.makeParticipant("a"), endpoint: RecordingEndpoint("a"), now: h2.now)
        _ = h2.room.join(h2.makeParticipant("b"), endpoint: RecordingEndpoint("b"), now: h2.now)
        let (out, deliveries, more) = h2.room.sendPresence(budget: .max)
        #expect(!more)
        let broadcasts = out.compactMap { a -> (SharedBytes, [String])? in
            guard case .broadcast(let frame, let to, let lossy) = a, !lossy else { return nil }
            return (frame, to.map(\.identity))
        }
        #expect(broadcasts.count == 1)
        #expect(broadcasts.first?.1 == ["m0", "m1", "m2"])
        let frames = splitFrames(Array(try #require(broadcasts.first?.0).bytes)).map { decodeFrame($0).json?["participant"]?["identity"]?.stringValue }
        #expect(frames == ["a", "b"])
        // "a" hears of "b" directly; "b" hears of nobody.
        let sends = out.compactMap { a -> String? in
            guard case .send(_, let to) = a else { return nil }
            return to.identity
        }
        #expect(sends == ["a"])
        #expect(deliveries == 4)
    }

    @Test func aJoinAndLeaveInOneTurnAreBothAnnouncedInOrder() {
        let h = RoomHarness()
        let (_, aliceEP) = h.join("alice")
        aliceEP.clear()
        h.inOneTurn {
            let (bob, _) = h.join("bob")
            h.apply(h.room.leave(bob, reason: .clientLeave, now: h.now))
            h.join("carol")
        }
        #expect(Self.changes(aliceEP) == ["+bob", "-bob", "+carol"])
        #expect(aliceEP.deliveries == 1)
    }

    @Test func aReplacedIdentityIsALeaveThenAJoinInOneDelivery() {
        let h = RoomHarness()
        let (_, aliceEP) = h.join("alice")
        let (bob, bobEP) = h.join("bob")
        aliceEP.clear()
        h.join("bob")
        #expect(bobEP.disconnectCodes == [RoomCloseCode.duplicateIdentity])
        #expect(Self.changes(aliceEP) == ["-bob", "+bob"])
        #expect(aliceEP.deliveries == 1)
        #expect(h.room.participant(identity: "bob") !== bob)
    }

    @Test func aBigBatchGoesOutWithinTheBudgetPerTurnAndLaterJoinsWaitForTheNextBatch() {
        let h = RoomHarness()
        h.presenceBudget = 4
        let members = (0..<10).map { h.join("m\($0)").endpoint }
        // Joins were one per turn so far, each handed out over 1–3 turns: finish them.
        while h.endTurn() {}
        for e in members { e.clear() }

        h.inOneTurn { h.join("a") }  // turn 1: "a" to m0...m3
        #expect(members.map(\.deliveries) == [1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
        let (_, bEP) = h.join("b")  // turn 2: "a" to m4...m7; "b" waits for the next batch
        #expect(members.map(\.deliveries) == [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
        #expect(h.endTurn())  // turn 3: "a" to m8, m9, then "b" to m0, m1
        #expect(h.endTurn())  // turn 4: "b" to m2...m5
        #expect(h.endTurn())  // turn 5: "b" to m6...m9
        #expect(!h.endTurn())  // turn 6: "b" to a
        for e in members {
            #expect(Self.changes(e) == ["+a", "+b"])
            #expect(e.deliveries == 2)
        }
        // "b" was not among the recipients of a's batch: it got a's arrival in its `joined`.
        #expect(Self.changes(bEP).isEmpty)
        let listed = identities(bEP.messages.first?["participants"])
        #expect(listed.contains("a"))
    }

    @Test func dataFromANewcomerNeverOvertakesItsArrival() {
        let h = RoomHarness()
        let (_, aliceEP) = h.join("alice")
        aliceEP.clear()
        h.inOneTurn {
            let (bob, _) = h.join("bob")
            _ = h.publish("chat", from: bob)
            // The data message went out at once, presence first.
            #expect(aliceEP.types == ["participant_joined", "data"])
        }
        #expect(aliceEP.types == ["participant_joined", "data"], "nothing sent twice at the turn's end")
    }

    @Test func aBatchUnderWayIsFinishedBeforeOtherMessages() {
        let h = RoomHarness()
        h.presenceBudget = 2
        let members = (0..<6).map { h.join("m\($0)") }
        while h.endTurn() {}
        for (_, e) in members { e.clear() }
        h.inOneTurn { h.join("x") }  // "x" reached m0, m1 only
        #expect(members.map(\.endpoint.deliveries) == [1, 1, 0, 0, 0, 0])
        h.apply(h.room.updateMetadata("{\"k\":1}"))
        for (_, e) in members { #expect(e.types == ["participant_joined", "room_updated"]) }
        #expect(!h.endTurn())
    }

    @Test func aResumeFinishesQueuedPresenceBeforeItsJoined() {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        h.drop(alice)
        var resumed: RecordingEndpoint?
        h.inOneTurn {
            h.join("bob")
            resumed = h.resume(alice, lastSeq: 0)
        }
        // Alice was suspended when bob came: her `joined` lists him, and no
        // participant_joined repeats it.
        #expect(resumed?.types == ["joined", "resumed"])
        #expect(identities(resumed?.messages.first?["participants"]) == ["bob"])
    }

    @Test func aClosedRoomDropsQueuedPresence() {
        let h = RoomHarness()
        let (_, aliceEP) = h.join("alice")
        aliceEP.clear()
        h.inOneTurn {
            h.join("bob")
            h.apply(h.room.close(reason: "deleted", now: h.now))
        }
        #expect(aliceEP.types.isEmpty)
        #expect(aliceEP.disconnectCodes == [RoomCloseCode.roomClosed])
    }
}
