import Testing
import WireJSON
import WireProtocol

@testable import RoomCore

/// `history: N` on a topic: a participant who joins gets the newest N JSON messages of it right
/// after `joined`, marked `"history": true`, oldest first across topics.
@Suite struct RoomHistoryTests {
    static let configuration = RoomConfiguration(
        replayBufferSize: 100,
        topics: [
            "chat": TopicPolicy(history: 3), "news": TopicPolicy(replay: 1, history: 2), "cursor": TopicPolicy(reliable: false),
            "log": TopicPolicy(),
        ])

    @Test func aLateJoinerGetsTheNewestMessagesOfHistoryTopicsMarked() throws {
        let h = RoomHarness(configuration: Self.configuration)
        let (alice, _) = h.join("alice")
        let (carol, _) = h.join("carol")
        for n in 1...4 { _ = try h.publish("chat", #"{"n":\#(n)}"#, from: alice).get() }       // seq 1-4
        _ = try h.publish("news", #"{"n":5}"#, from: nil).get()                                 // seq 5
        _ = try h.publish("log", #"{"n":6}"#, from: alice).get()                                // seq 6: no history
        _ = try h.publish("chat", #"{"n":7}"#, from: carol, destinations: ["alice"]).get()     // seq 7: not for bob
        _ = try h.publish("chat", #"{"n":8}"#, from: carol, destinations: ["bob"]).get()       // seq 8: for bob
        _ = try h.publish("chat", #"{"n":9}"#, from: alice, reliable: false).get()             // seq 9: lossy, not kept
        _ = h.publishBinary("chat", [1, 2, 3], from: alice)                                     // seq 10: binary, not history
        _ = try h.publish("news", #"{"n":11}"#, from: alice).get()                              // seq 11

        let (_, bob) = h.join("bob")
        #expect(bob.types == ["joined", "data", "data", "data", "data", "data"])
        let history = Array(bob.messages.dropFirst())
        // chat: the newest 3 bob may see (3, 4, 8: 7 was for alice, 9 lossy, 10 binary);
        // news: both (its replay of 1 is raised to its history of 2); log: none.
        #expect(history.compactMap { $0["seq"]?.int64Value } == [3, 4, 5, 8, 11])
        #expect(history.allSatisfy { $0["history"] == true && $0["type"] == "data" })
        #expect(history.compactMap { $0["payload"] } == [["n": 3], ["n": 4], ["n": 5], ["n": 8], ["n": 11]] as [JSONValue])
        #expect(history[0]["from"] == "alice" && history[2]["from"] == .null && history[0]["topic"] == "chat" && history[2]["topic"] == "news")
    }

    @Test func historyRaisesWhatATopicKeepsAndNeedsPermissionToSubscribe() throws {
        #expect(TopicPolicy(replay: 1, history: 2).keptMessages(roomDefault: 100) == 2)
        #expect(TopicPolicy(replay: 10, history: 2).keptMessages(roomDefault: 100) == 10)
        #expect(TopicPolicy(history: 0).keptMessages(roomDefault: 100) == 100)
        let h = RoomHarness(configuration: Self.configuration)
        let (alice, _) = h.join("alice")
        _ = try h.publish("chat", #"{"hi":1}"#, from: alice).get()
        let (_, deaf) = h.join("deaf", permissions: .init(canSubscribe: false))
        #expect(deaf.types == ["joined"])
        // Nothing published yet on a fresh room: only joined.
        let fresh = RoomHarness(configuration: Self.configuration)
        #expect(fresh.join("first").endpoint.types == ["joined"])
    }

    @Test func markedAsHistoryReframesTextAndRefusesBinary() {
        let payload = Array(#"{"text":"hello"}"#.utf8)
        let frame = payload.withUnsafeBytes { ServerMessage.data(topic: "chat", from: "a", seq: 7, payload: $0, reliable: true, ts: 1) }
        let marked = ServerMessage.markedAsHistory(frame)!
        let json = decodeFrame(Array(marked.bytes)).json
        #expect(json?["history"] == true && json?["seq"] == 7 && json?["payload"]?["text"] == "hello")
        // A long payload (16-bit length header) keeps its framing right.
        let long = Array(#"{"t":""#.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 300) + Array(#""}"#.utf8)
        let longFrame = long.withUnsafeBytes { ServerMessage.data(topic: "chat", from: nil, seq: 8, payload: $0, reliable: true, ts: 1) }
        let markedLong = ServerMessage.markedAsHistory(longFrame)!  // held: `bytes` is a view of it
        #expect(decodeFrame(Array(markedLong.bytes)).json?["history"] == true)
        let binary = [UInt8]([1, 2]).withUnsafeBytes { ServerMessage.binaryData(topic: "chat", from: "a", seq: 9, payload: $0, ts: 1) }
        #expect(ServerMessage.markedAsHistory(binary) == nil)
    }
}
