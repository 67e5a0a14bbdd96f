import ClusterCore
import Testing

/// The profile hash's values (docs/cluster.md#keys): written by Swift, positioned by the Lua
/// script, read back bit for bit.
@Suite struct StoredProfileEntryTests {
    @Test func valuesReadBackExactly() throws {
        let e = StoredProfileEntry(trackID: 42, source: "spotify_top", weight: 0.1 + 0.2, addedAt: 1_732_700_000.123456)
        let value = try #require(e.value)
        #expect(value == "spotify_top\t0.30000000000000004\t1732700000.123456")
        let back = try #require(StoredProfileEntry.parse(field: "42", value: "7\t" + value))
        #expect(back == StoredProfileEntry(trackID: 42, position: 7, source: "spotify_top", weight: 0.1 + 0.2, addedAt: 1_732_700_000.123456))
    }

    @Test func theCounterFieldAndMalformedValuesAreSkipped() {
        #expect(StoredProfileEntry.parse(field: ProfileKeys.nextField, value: "3") == nil)
        #expect(StoredProfileEntry.parse(field: "1", value: "x\tprofile\t1.0\t2.0") == nil)
        #expect(StoredProfileEntry.parse(field: "1", value: "1\tprofile\t1.0") == nil)
        #expect(StoredProfileEntry.parse(field: "1", value: "1\tprofile\tnan?\t2.0") == nil)
        #expect(StoredProfileEntry(trackID: 1, source: "a\tb", weight: 1, addedAt: 0).value == nil)
    }

    @Test func aProfileComesBackInItsStoredOrder() {
        let pairs: [(field: String, value: String)] = [
            ("9", "3\tseed\t1.0\t0.0"), (ProfileKeys.nextField, "3"), ("4", "1\tprofile\t1.0\t0.0"), ("5", "2\tprofile\t0.5\t0.0"),
        ]
        #expect(StoredProfileEntry.profile(pairs).map(\.trackID) == [4, 5, 9])
    }

    @Test func keys() {
        #expect(ProfileKeys.profile("alice") == "wavedefect:profile:alice")
        #expect(ProfileKeys.roomHost("lab") == "wavedefect:room_host:lab")
    }
}

/// Twirp calls forwarded through Redis (docs/cluster.md#cluster-wide-admin): any body bytes,
/// protobuf included, cross unchanged; anything else is refused.
@Suite struct ForwardedCallTests {
    @Test func callsAndAnswersRoundTripWithAnyBody() throws {
        let body: [UInt8] = [0x0A, 0x0A, 0x00, 0xFF] + Array("{\"a\":\"b\\n\"}\n".utf8)
        let call = ForwardedCall(id: 7, from: "node-b", path: "/twirp/livekit.RoomService/SendData", contentType: "application/protobuf", authorization: "Bearer x.y.z", body: body)
        #expect(ForwardedCall.decode(call.encoded) == call)
        let answer = ForwardedAnswer(id: 7, status: 503, contentType: "application/json", body: body)
        #expect(ForwardedAnswer.decode(answer.encoded) == answer)
        #expect(ForwardedAnswer.decode(ForwardedAnswer(id: 1, status: 200, contentType: "", body: []).encoded)?.body == [])
        #expect(ClusterKeys.calls("node-a") == "wavedefect:calls:node-a")
        #expect(ClusterKeys.answers("node-b") == "wavedefect:answers:node-b")
    }

    @Test func malformedFramesAreRefused() {
        #expect(ForwardedCall.decode(Array("{\"id\":1}".utf8)) == nil)
        #expect(ForwardedCall.decode(Array("{\"id\":1,\"from\":\"a\"}\n".utf8)) == nil)
        #expect(ForwardedAnswer.decode(Array("{\"id\":1,\"status\":42,\"content_type\":\"\"}\n".utf8)) == nil)
        #expect(ForwardedAnswer.decode(Array("not json\n".utf8)) == nil)
    }
}
