import ByteStorage
import Testing
import WireJSON
@testable import WireProtocol

/// Presence, `joined` and acks are written in place (sized, then written frame header first):
/// their bytes must be exactly what the JSONWriter encoding of the same message gives.
@Suite struct PresenceMessageTests {
    /// The JSON of a text frame, after checking its header: FIN + text, unmasked, and a
    /// length (7-bit, 16-bit or 64-bit form) equal to what follows.
    func payload(_ frame: SharedBytes) throws -> String {
        let bytes = Array(frame.bytes)
        try #require(bytes.count >= 2)
        #expect(bytes[0] == 0x81)
        let (header, length): (Int, Int)
        switch bytes[1] {
        case 126: (header, length) = (4, Int(bytes[2]) << 8 | Int(bytes[3]))
        case 127: (header, length) = (10, bytes[2..<10].reduce(0) { $0 << 8 | Int($1) })
        default: (header, length) = (2, Int(bytes[1]))
        }
        #expect(bytes.count - header == length)
        return String(decoding: bytes[header...], as: UTF8.self)
    }

    /// The reference encoding: the generic writer, as every message was written before.
    func reference(_ type: String, _ members: (inout JSONWriter) -> Void) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.key("type"); w.string(type)
        members(&w)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static let plain = ParticipantInfo(sid: "PA_1", identity: "alice", name: "Alice", metadata: "", attributes: [:], kind: .standard, joinedAtMilliseconds: 1_700_000_000_123)
    /// Escapes in every string, attributes to sort, a negative time.
    static let awkward = ParticipantInfo(sid: "PA_\"2", identity: "b\\ob\n", name: "Bö\u{1}b", metadata: #"{"k":"v"}"#,
                                         attributes: ["z": "last", "a": "fi\trst", "m\"": ""], kind: .agent, joinedAtMilliseconds: -1_500)

    @Test(arguments: [plain, awkward])
    func participantJoinedAndUpdatedMatchTheReference(_ info: ParticipantInfo) throws {
        #expect(try payload(ServerMessage.participantJoined(info)) == reference("participant_joined") { w in
            w.key("participant"); info.write(to: &w)
        })
        #expect(try payload(ServerMessage.participantUpdated(info)) == reference("participant_updated") { w in
            w.key("participant"); info.write(to: &w)
        })
        #expect(ParticipantInfo.InPlace(info).count == info.json.count)
    }

    @Test func participantLeftMatchesTheReference() throws {
        #expect(try payload(ServerMessage.participantLeft(sid: "PA_\"1", identity: "al\nice", reason: "client_initiated")) == reference("participant_left") { w in
            w.key("participant")
            w.beginObject()
            w.key("sid"); w.string("PA_\"1")
            w.key("identity"); w.string("al\nice")
            w.endObject()
            w.key("reason"); w.string("client_initiated")
        })
    }

    @Test func acksCarryTheIdVerbatimAndTheSeqWhenGiven() throws {
        let id = Array(#""req-7""#.utf8)
        let withSeq = try id.withUnsafeBytes { try payload(ServerMessage.ack("publish", id: $0, seq: 18_446_744_073_709_551_615)) }
        #expect(withSeq == #"{"type":"ack","id":"req-7","for":"publish","seq":18446744073709551615}"#)
        let numeric = Array("42".utf8)
        let plain = try numeric.withUnsafeBytes { try payload(ServerMessage.ack("subscribe", id: $0)) }
        #expect(plain == #"{"type":"ack","id":42,"for":"subscribe"}"#)
    }

    /// Every frame-length form: a lone participant (7-bit), a few (16-bit), a thousand (64-bit).
    @Test(arguments: [0, 3, 1_000])
    func joinedMatchesTheReference(others count: Int) throws {
        var roomWriter = JSONWriter()
        roomWriter.beginObject(); roomWriter.key("sid"); roomWriter.string("RM_1"); roomWriter.key("empty_timeout"); roomWriter.double(2.5); roomWriter.endObject()
        let room = roomWriter.bytes
        let others = (0..<count).map { i in i % 2 == 0 ? Self.plain : Self.awkward }
        for resumed in [false, true] {
            let frame = ServerMessage.joined(room: room, participant: .init(Self.awkward), participants: others.map(ParticipantInfo.InPlace.init),
                                             resumeToken: "tok\"en", seq: 99, resumed: resumed)
            #expect(try payload(frame) == reference("joined") { w in
                w.key("room"); w.raw(room)
                w.key("participant"); Self.awkward.write(to: &w)
                w.key("participants")
                w.beginArray()
                for p in others { p.write(to: &w) }
                w.endArray()
                w.key("resume_token"); w.string("tok\"en")
                w.key("seq"); w.uint(99)
                w.key("resumed"); w.bool(resumed)
            })
        }
    }
}
