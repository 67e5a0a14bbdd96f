import Testing
import WireJSON
@testable import WireProtocol

/// Name, metadata and attributes live in a box that exists only once one of them is set
/// (most participants have none): the fields behave as plain stored values.
@Suite struct ParticipantInfoTests {
    static func info(name: String = "", metadata: String = "", attributes: [String: String] = [:]) -> ParticipantInfo {
        ParticipantInfo(sid: "PA_1", identity: "alice", name: name, metadata: metadata, attributes: attributes, kind: .standard, joinedAtMilliseconds: 1_700_000_000_123)
    }

    @Test func withoutNameMetadataOrAttributesTheInfoIsSmall() {
        // sid and identity (16 bytes each), the box reference, the join time and the kind.
        #expect(MemoryLayout<ParticipantInfo>.size <= 49)
    }

    @Test func fieldsReadBackAsSetAndCopiesAreIndependent() {
        var a = Self.info()
        #expect(a.name.isEmpty && a.metadata.isEmpty && a.attributes.isEmpty)
        a.name = "Alice"
        a.metadata = #"{"k":1}"#
        a.attributes = ["x": "1"]
        var b = a
        b.name = "Bob"
        b.merge(attributes: ["x": "", "y": "2"])
        #expect(a.name == "Alice" && a.metadata == #"{"k":1}"# && a.attributes == ["x": "1"])
        #expect(b.name == "Bob" && b.metadata == #"{"k":1}"# && b.attributes == ["y": "2"])
        b.name = ""
        b.metadata = ""
        b.attributes = [:]
        #expect(b == Self.info(), "cleared fields equal never-set ones")
    }

    @Test func equalityComparesTheFieldsNotTheBoxes() {
        #expect(Self.info(name: "A", attributes: ["k": "v"]) == Self.info(name: "A", attributes: ["k": "v"]))
        #expect(Self.info(name: "A") != Self.info(name: "B"))
        #expect(Self.info(metadata: "m") != Self.info())
        #expect(Self.info(attributes: ["k": "v"]) != Self.info(attributes: ["k": "w"]))
    }

    @Test func encodingIsUnchanged() {
        let json = String(decoding: Self.info(name: "A", metadata: "m", attributes: ["b": "2", "a": "1"]).json, as: UTF8.self)
        #expect(json == #"{"sid":"PA_1","identity":"alice","name":"A","metadata":"m","attributes":{"a":"1","b":"2"},"kind":"standard","joined_at":1700000000,"joined_at_ms":1700000000123}"#)
        let bare = String(decoding: Self.info().json, as: UTF8.self)
        #expect(bare == #"{"sid":"PA_1","identity":"alice","name":"","metadata":"","attributes":{},"kind":"standard","joined_at":1700000000,"joined_at_ms":1700000000123}"#)
    }
}
