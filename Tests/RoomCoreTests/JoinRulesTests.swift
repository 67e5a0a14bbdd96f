import HTTPCore
import Testing
import WireProtocol
@testable import RoomCore

/// The admission rules a join is checked against before any socket is upgraded, value by value.
@Suite struct JoinRulesTests {
    @Test(arguments: ["a", "lab", "wave-defect_lab.2", "A9", String(repeating: "x", count: 128)])
    func validRoomNames(_ name: String) {
        #expect(RoomName.isValid(name))
    }

    @Test(arguments: ["", " ", "a b", "a/b", "ä", "room?", "a\u{0}", String(repeating: "x", count: 129)])
    func invalidRoomNames(_ name: String) {
        #expect(!RoomName.isValid(name))
    }

    @Test func invalidRoomNameIsRefusedWith400() {
        let r = RoomRegistry()
        #expect(throws: RoomRegistry.JoinRefusal.invalidRoomName) { try r.checkAdmission("a b", identity: "alice", isAgent: false) }
        #expect(RoomRegistry.JoinRefusal.invalidRoomName.status.code == 400)
        #expect(RoomRegistry.JoinRefusal.invalidRoomName.message == "invalid room name in token")
    }

    @Test func identitiesUpTo255BytesAreAdmitted() throws {
        let r = RoomRegistry()
        try r.checkAdmission("lab", identity: String(repeating: "i", count: 255), isAgent: false)
        try r.checkAdmission("lab", identity: String(repeating: "é", count: 127), isAgent: false)
        #expect(throws: RoomRegistry.JoinRefusal.identityTooLong) {
            try r.checkAdmission("lab", identity: String(repeating: "i", count: 256), isAgent: false)
        }
        #expect(throws: RoomRegistry.JoinRefusal.identityTooLong, "128 two-byte characters are 256 bytes") {
            try r.checkAdmission("lab", identity: String(repeating: "é", count: 128), isAgent: false)
        }
        #expect(RoomRegistry.JoinRefusal.identityTooLong.status.code == 400)
        #expect(RoomRegistry.JoinRefusal.identityTooLong.message == "identity longer than 255 bytes")
    }

    @Test func refusalsAreHTTPResponses() {
        let response = RoomRegistry.JoinRefusal.roomFull("lab").response
        #expect(response.status == .forbidden)
        #expect(String(decoding: response.body, as: UTF8.self) == "room 'lab' is full\n")
    }
}

/// The topic rules of subscribe and unsubscribe requests, value by value.
@Suite struct SubscriptionRequestRulesTests {
    @Test(arguments: [["a"], [String(repeating: "t", count: 255)], ["chat", "agent.*"], Array(repeating: "x", count: 256)])
    func acceptedTopicLists(_ topics: [String]) throws {
        try Room.checkTopics(topics)
    }

    @Test(arguments: [
        ([""], "topics must be 1 to 255 bytes"),
        ([String(repeating: "t", count: 256)], "topics must be 1 to 255 bytes"),
        ([String(repeating: "é", count: 128)], "topics must be 1 to 255 bytes"),
        (["ok", ""], "topics must be 1 to 255 bytes"),
        (Array(repeating: "x", count: 257), "at most 256 topics per request"),
    ])
    func refusedTopicLists(_ topics: [String], _ message: String) {
        #expect(throws: ProtocolError.badMessage(message)) { try Room.checkTopics(topics) }
    }

    @Test func subscribeAndUnsubscribeApplyTheRules() {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        #expect(throws: ProtocolError.badMessage("topics must be 1 to 255 bytes")) { try h.room.subscribe(alice, topics: [""]) }
        #expect(throws: ProtocolError.badMessage("topics must be 1 to 255 bytes")) { try h.room.unsubscribe(alice, topics: [""]) }
    }
}

/// A broadcast never reaches its sender, whatever the list holds.
@Suite struct RecipientsTests {
    @Test func theSenderIsSkippedWhereverItIs() {
        let h = RoomHarness()
        let (a, _) = h.join("a")
        let (b, _) = h.join("b")
        let (c, _) = h.join("c")
        #expect(Recipients([a, b, c], excluding: a).map(\.identity) == ["b", "c"])
        #expect(Recipients([a, b, c], excluding: b).map(\.identity) == ["a", "c"])
        #expect(Recipients([a, b, c], excluding: c).map(\.identity) == ["a", "b"])
        #expect(Recipients([a, b, c]).map(\.identity) == ["a", "b", "c"])
        #expect(Recipients([b], excluding: a).map(\.identity) == ["b"])
        #expect(Recipients([a], excluding: a).map(\.identity).isEmpty)
        #expect(Recipients([], excluding: a).map(\.identity).isEmpty)
    }
}
