import ByteStorage
import Testing
import WireJSON
@testable import WireProtocol

/// The crowded-room messages are written in place like presence: their bytes must be what
/// the JSONWriter encoding of the same message gives, with and without a next page or an id.
@Suite struct ParticipantPageMessageTests {
    let messages = PresenceMessageTests()

    @Test(arguments: [(0, nil), (3, 41), (1_000, UInt64.max)] as [(Int, UInt64?)])
    func aPageMatchesTheReference(count: Int, next: UInt64?) throws {
        let listed = (0..<count).map { i in i % 2 == 0 ? PresenceMessageTests.plain : PresenceMessageTests.awkward }
        for id in [nil, #"{"n":[1]}"#] {
            let frame = Array((id ?? "").utf8).withUnsafeBytes { idBytes in
                ServerMessage.participantsPage(listed.map(ParticipantInfo.InPlace.init), total: count + 7, next: next, id: id == nil ? nil : idBytes)
            }
            #expect(try messages.payload(frame) == messages.reference("participants") { w in
                w.key("participants")
                w.beginArray()
                for p in listed { p.write(to: &w) }
                w.endArray()
                w.key("participants_total"); w.int(count + 7)
                w.key("next"); if let next { w.uint(next) } else { w.null() }
                if let id { w.key("id"); w.raw(Array(id.utf8)) }
            })
        }
    }

    @Test func aCountMatchesTheReference() throws {
        #expect(try messages.payload(ServerMessage.participantCount(numParticipants: 10_000, visible: 9_998)) == messages.reference("participant_count") { w in
            w.key("num_participants"); w.int(10_000)
            w.key("participants_total"); w.int(9_998)
        })
    }

    @Test(arguments: [nil, 5] as [UInt64?])
    func aCrowdedJoinedSaysWhatFollowsItsFirstPage(next: UInt64?) throws {
        let room = Array(#"{"sid":"RM_1"}"#.utf8)
        let frame = ServerMessage.joined(room: room, participant: .init(PresenceMessageTests.plain), participants: [.init(PresenceMessageTests.awkward)],
                                         page: .init(total: 1_234, next: next), resumeToken: "t", seq: 3, resumed: false)
        #expect(try messages.payload(frame) == messages.reference("joined") { w in
            w.key("room"); w.raw(room)
            w.key("participant"); PresenceMessageTests.plain.write(to: &w)
            w.key("participants"); w.beginArray(); PresenceMessageTests.awkward.write(to: &w); w.endArray()
            w.key("presence"); w.string("counts")
            w.key("participants_total"); w.int(1_234)
            w.key("participants_next"); if let next { w.uint(next) } else { w.null() }
            w.key("resume_token"); w.string("t")
            w.key("seq"); w.uint(3)
            w.key("resumed"); w.bool(false)
        })
    }
}
