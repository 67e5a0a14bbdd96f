import HTTPCore
import Testing
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
