import ByteStorage
import Testing
import WireJSON
import WireProtocol

@testable import RoomCore

/// Crowded rooms (issue 12, "a crowded room costs O(N²)"): past `presenceFullListMax`
/// visible participants, `joined` carries a page of the list, the rest comes in pages, and
/// members hear counts once a second instead of every arrival and departure.
@Suite struct RoomCrowdTests {
    /// Rooms of this test: crowded past 3 visible participants, pages of 2.
    static func harness(fullListMax: Int = 3, pageSize: Int = 2) -> RoomHarness {
        var c = RoomConfiguration()
        c.presenceFullListMax = fullListMax
        c.participantsPageSize = pageSize
        return RoomHarness(configuration: c)
    }

    /// Asks for a page as `participant` and returns the `participants` answer.
    static func page(_ h: RoomHarness, for p: (participant: Participant, endpoint: RecordingEndpoint), after: UInt64?, limit: Int? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        p.endpoint.clear()
        let id = Array("7".utf8)
        _ = try id.withUnsafeBytes { id in
            h.apply(try h.room.participantsPage(for: p.participant, after: after, limit: limit, id: id))
        }
        let answers = p.endpoint.messages(ofType: "participants")
        #expect(answers.count == 1, sourceLocation: sourceLocation)
        let answer = try #require(answers.first, sourceLocation: sourceLocation)
        #expect(answer["id"]?.intValue == 7, "the request's id is echoed", sourceLocation: sourceLocation)
        return answer
    }

    @Test func roomsUpToTheThresholdAreAsBefore() throws {
        let h = Self.harness()
        let a = h.join("a")
        h.join("b")
        let c = h.join("c")
        #expect(!h.room.isCrowded)
        let joined = try #require(c.endpoint.messages.first)
        #expect(identities(joined["participants"]) == ["a", "b"])
        for key in ["presence", "participants_total", "participants_next"] {
            #expect(joined[key] == nil, "a full list carries no \(key)")
        }
        #expect(RoomPresenceBatchTests.changes(a.endpoint) == ["+b", "+c"])
        #expect(a.endpoint.messages(ofType: "participant_count").isEmpty)
    }

    @Test func theArrivalPastTheThresholdIsTheLastAnnouncedAndTheMembersHearTheCount() throws {
        let h = Self.harness()
        let members = ["a", "b", "c"].map { h.join($0) }
        for m in members { m.endpoint.clear() }

        let d = h.join("d")
        #expect(h.room.isCrowded)
        for m in members {
            #expect(m.endpoint.types == ["participant_joined", "participant_count"], "\(m.participant.identity)")
            let count = try #require(m.endpoint.messages.last)
            #expect(count["num_participants"]?.intValue == 4)
            #expect(count["participants_total"]?.intValue == 4)
        }
        // The newcomer's own `joined` already reflects the count: it hears nothing of it.
        let joined = try #require(d.endpoint.messages.first)
        #expect(d.endpoint.types == ["joined"])
        #expect(identities(joined["participants"]) == ["a", "b"])
        #expect(joined["presence"] == "counts")
        #expect(joined["participants_total"]?.intValue == 4)
        #expect(joined["participants_next"]?.intValue == Int64(members[1].participant.joinOrdinal))

        // Later arrivals and departures reach nobody at once.
        for m in members { m.endpoint.clear() }
        let e = h.join("e")
        h.apply(h.room.leave(members[2].participant, reason: .clientLeave, now: h.now))
        for m in members.prefix(2) { #expect(m.endpoint.frames.isEmpty) }
        #expect(d.endpoint.types == ["joined"])
        #expect(identities(e.endpoint.messages.first?["participants"]) == ["a", "b"])
        #expect(e.endpoint.messages.first?["participants_total"]?.intValue == 5)
    }

    @Test func countsGoOutOnTheTickOnlyWhenTheyChanged() throws {
        let h = Self.harness()
        let members = ["a", "b", "c", "d"].map { h.join($0) }
        h.join("e")
        h.join("f", kind: .agent)
        h.join("g", permissions: .init(hidden: true))
        for m in members { m.endpoint.clear() }

        _ = h.tick()
        for m in members {
            let counts = m.endpoint.messages(ofType: "participant_count")
            #expect(counts.count == 1)
            // Agents are not in num_participants (as in the room's info); the hidden are not visible.
            #expect(counts.first?["num_participants"]?.intValue == 6)
            #expect(counts.first?["participants_total"]?.intValue == 6)
            #expect(m.endpoint.deliveries == 1)
        }
        for m in members { m.endpoint.clear() }
        h.advance(1)
        _ = h.tick()
        for m in members { #expect(m.endpoint.frames.isEmpty, "nothing changed: no count") }

        h.apply(h.room.leave(members[3].participant, reason: .clientLeave, now: h.now))
        h.apply(h.room.setPermissions(members[2].participant, .init(hidden: true), now: h.now))
        #expect(members[0].endpoint.frames.isEmpty, "becoming hidden is not announced in a crowded room")
        h.advance(1)
        _ = h.tick()
        let count = try #require(members[0].endpoint.messages(ofType: "participant_count").first)
        #expect(count["num_participants"]?.intValue == 5)
        #expect(count["participants_total"]?.intValue == 4)
        #expect(members[0].endpoint.deliveries == 1)
    }

    @Test func pagesListEveryoneVisibleButTheAskerOnceInJoinOrder() throws {
        let h = Self.harness(fullListMax: 3, pageSize: 3)
        var everyone: [(participant: Participant, endpoint: RecordingEndpoint)] = []
        for i in 0..<10 {
            everyone.append(h.join("p\(i)", permissions: .init(hidden: i == 4)))
        }
        let asker = everyone[6]
        var listed: [String] = []
        var after: UInt64? = nil
        var pages = 0
        repeat {
            let answer = try Self.page(h, for: asker, after: after)
            #expect(answer["participants_total"]?.intValue == 9)
            #expect(answer["participants"]?.array.count ?? 0 <= 3)
            listed += identities(answer["participants"])
            after = answer["next"]?.int64Value.map(UInt64.init)
            pages += 1
        } while after != nil && pages < 10
        #expect(listed == ["p0", "p1", "p2", "p3", "p5", "p7", "p8", "p9"])
        #expect(pages == 3)
    }

    @Test func aCursorStaysValidWhenItsParticipantLeaves() throws {
        let h = Self.harness(fullListMax: 3, pageSize: 2)
        let everyone = (0..<6).map { h.join("p\($0)") }
        let first = try Self.page(h, for: everyone[5], after: nil)
        #expect(identities(first["participants"]) == ["p0", "p1"])
        let cursor = try #require(first["next"]?.int64Value)
        // p1 (the cursor) and p2 (next in line) leave; q joins at the end.
        h.apply(h.room.leave(everyone[1].participant, reason: .clientLeave, now: h.now))
        h.apply(h.room.leave(everyone[2].participant, reason: .clientLeave, now: h.now))
        h.join("q")
        let second = try Self.page(h, for: everyone[5], after: UInt64(cursor))
        #expect(identities(second["participants"]) == ["p3", "p4"])
        let third = try Self.page(h, for: everyone[5], after: try #require(second["next"]?.int64Value).magnitude)
        #expect(identities(third["participants"]) == ["q"])
        #expect(third["next"] == .null)
        // A cursor past the end is an empty last page, not an error.
        let past = try Self.page(h, for: everyone[5], after: 1_000_000)
        #expect(past["participants"]?.array.isEmpty == true)
        #expect(past["next"] == .null)
    }

    @Test func aRequestedLimitIsCappedByThePageSizeAndMustBePositive() throws {
        let h = Self.harness(fullListMax: 100, pageSize: 3)
        let everyone = (0..<6).map { h.join("p\($0)") }
        #expect(identities(try Self.page(h, for: everyone[0], after: nil, limit: 50)["participants"]) == ["p1", "p2", "p3"])
        #expect(identities(try Self.page(h, for: everyone[0], after: nil, limit: 1)["participants"]) == ["p1"])
        #expect(throws: ProtocolError.self) {
            try h.room.participantsPage(for: everyone[0].participant, after: nil, limit: 0, id: nil)
        }
        // Small rooms answer pages too, with the same total as a crowded room would give.
        let all = try Self.page(h, for: everyone[0], after: nil)
        #expect(all["participants_total"]?.intValue == 6)
    }

    @Test func presenceQueuedBeforeAPageGoesOutFirst() throws {
        let h = Self.harness(fullListMax: 100, pageSize: 10)
        let a = h.join("a")
        a.endpoint.clear()
        var types: [String] = []
        h.inOneTurn {
            h.join("b")
            let actions = try? h.room.participantsPage(for: a.participant, after: nil, limit: nil, id: nil)
            h.apply(actions ?? [])
            types = a.endpoint.types
        }
        #expect(types == ["participant_joined", "participants"])
    }

    @Test func aRoomThatEmptiedIsSmallAgain() throws {
        let h = Self.harness()
        let everyone = (0..<5).map { h.join("p\($0)") }
        #expect(h.room.isCrowded)
        for p in everyone { h.apply(h.room.leave(p.participant, reason: .clientLeave, now: h.now)) }
        #expect(!h.room.isCrowded)
        let a = h.join("a")
        h.join("b")
        #expect(RoomPresenceBatchTests.changes(a.endpoint) == ["+b"])
        h.advance(1)
        _ = h.tick()
        #expect(a.endpoint.messages(ofType: "participant_count").isEmpty)
    }

    @Test func becomingVisibleCanCrowdTheRoom() throws {
        let h = Self.harness()
        let members = ["a", "b", "c"].map { h.join($0) }
        let ghost = h.join("ghost", permissions: .init(hidden: true))
        #expect(!h.room.isCrowded, "hidden participants do not count toward the threshold")
        for m in members { m.endpoint.clear() }
        h.apply(h.room.setPermissions(ghost.participant, .init(), now: h.now))
        #expect(h.room.isCrowded)
        #expect(members[0].endpoint.types == ["participant_joined", "participant_count"])
    }

    /// Agents decide on who is in the room (whose taste, whose song): in a crowded room they
    /// alone still get the whole list and hear each change, at once and in order.
    @Test func agentsKeepTheWholeListAndHearEveryChange() throws {
        let h = Self.harness()
        let bot = h.join("bot", kind: .agent)
        let members = (0..<4).map { h.join("p\($0)") }
        #expect(h.room.isCrowded, "the agent is visible: 5 > 3")
        bot.endpoint.clear()
        for m in members { m.endpoint.clear() }

        let late = h.join("late")
        let botJoined = h.join("bot2", kind: .agent)
        h.apply(h.room.leave(members[0].participant, reason: .clientLeave, now: h.now))
        h.apply(h.room.setPermissions(members[1].participant, .init(hidden: true), now: h.now))
        #expect(RoomPresenceBatchTests.changes(bot.endpoint) == ["+late", "+bot2", "-p0", "-p1"])
        #expect(bot.endpoint.deliveries == 4, "one delivery per change, at once")
        for m in members.dropFirst() { #expect(RoomPresenceBatchTests.changes(m.endpoint).isEmpty) }
        #expect(RoomPresenceBatchTests.changes(late.endpoint).isEmpty)

        // An agent's `joined` lists everyone visible, with no page members.
        let joined = try #require(botJoined.endpoint.messages.first)
        #expect(identities(joined["participants"]) == ["bot", "p0", "p1", "p2", "p3", "late"])
        #expect(joined["presence"] == nil && joined["participants_next"] == nil)
        // The count on the tick reaches agents too.
        h.advance(1)
        _ = h.tick()
        #expect(bot.endpoint.messages(ofType: "participant_count").count == 1)
    }

    @Test func aResumeInACrowdedRoomGetsTheFirstPage() throws {
        let h = Self.harness()
        let everyone = (0..<5).map { h.join("p\($0)") }
        h.drop(everyone[0].participant)
        let e = h.resume(everyone[0].participant, lastSeq: 0)
        let joined = try #require(e.messages.first)
        #expect(joined["resumed"] == true)
        #expect(identities(joined["participants"]) == ["p1", "p2"])
        #expect(joined["participants_total"]?.intValue == 5)
    }
}
