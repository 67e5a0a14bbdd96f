import Testing
import WireProtocol

/// `ClientMessage.parse`, value by value: what each message type becomes, which raw ranges it
/// keeps, and the exact error (code and message) for every malformed input.
@Suite struct ClientMessageParseTests {
    /// The parse result with every range resolved to the text it points at.
    struct Parsed {
        let text: [UInt8]
        let result: Result<ClientMessage, ProtocolError>

        init(_ json: String) {
            text = Array(json.utf8)
            result = text.withUnsafeBytes { buffer in Result { () throws(ProtocolError) in try ClientMessage.parse(buffer) } }
        }

        var message: ClientMessage? { try? result.get() }
        var error: ProtocolError? {
            if case .failure(let e) = result { return e }
            return nil
        }

        func raw(_ range: Range<Int>?) -> String? {
            range.map { String(decoding: text[$0], as: UTF8.self) }
        }
    }

    // MARK: Each type

    @Test func pingKeepsTheRawIdAndTime() throws {
        let p = Parsed(#"{"type":"ping","id":{"n":[1, 2]},"t":1234.5678}"#)
        guard case .ping(let id, let t) = try #require(p.message) else { Issue.record("\(p.result)"); return }
        #expect(p.raw(id) == #"{"n":[1, 2]}"#, "the id is echoed byte for byte, spaces and all")
        #expect(p.raw(t) == "1234.5678")
        #expect(p.raw(p.message?.id) == #"{"n":[1, 2]}"#)
        #expect(Parsed(#"{"type":"ping"}"#).message == .ping(id: nil, t: nil))
    }

    @Test func publishWithEveryField() throws {
        let p = Parsed(#"{"type":"publish","topic":"chat","payload":{"x":[1,"é"]},"reliable":false,"destinations":["a","b"],"id":7}"#)
        guard case .publish(let r) = try #require(p.message) else { Issue.record("\(p.result)"); return }
        #expect(r.topic == "chat")
        #expect(p.raw(r.payload) == #"{"x":[1,"é"]}"#)
        #expect(r.reliable == false)
        #expect(r.destinations == ["a", "b"])
        #expect(p.raw(r.id) == "7")
    }

    @Test func publishOptionalFieldsDefaultToNil() throws {
        for json in [#"{"type":"publish","topic":"t","payload":null}"#, #"{"type":"publish","topic":"t","payload":null,"reliable":null,"destinations":null}"#] {
            let p = Parsed(json)
            guard case .publish(let r) = try #require(p.message, "\(json)") else { Issue.record("\(p.result)"); continue }
            #expect(p.raw(r.payload) == "null", "a null payload is a payload")
            #expect(r.reliable == nil && r.destinations == nil && r.id == nil, "\(json)")
        }
        let empty = Parsed(#"{"type":"publish","topic":"t","payload":1,"destinations":[]}"#)
        guard case .publish(let r) = try #require(empty.message) else { return }
        #expect(r.destinations == [], "an empty list names nobody; it is not 'everyone'")
    }

    @Test func subscribeAndUnsubscribe() {
        let s = Parsed(#"{"type":"subscribe","topics":["agent.*","chat"],"id":"s"}"#)
        guard case .subscribe(let topics, let id) = s.message else { Issue.record("\(s.result)"); return }
        #expect(topics == ["agent.*", "chat"])
        #expect(s.raw(id) == #""s""#)
        #expect(Parsed(#"{"type":"unsubscribe","topics":[]}"#).message == .unsubscribe(topics: [], id: nil))
    }

    @Test func updateCarriesOnlyWhatWasSent() {
        let u = Parsed(#"{"type":"update","metadata":"dj","attributes":{"mood":"calm","x":""}}"#)
        guard case .update(let r) = u.message else { Issue.record("\(u.result)"); return }
        #expect(r.name == nil)
        #expect(r.metadata == "dj")
        #expect(r.attributes == ["mood": "calm", "x": ""], "an empty value is kept: it deletes the key")
        #expect(r.id == nil)
        guard case .update(let n) = Parsed(#"{"type":"update","name":"Ann","id":1}"#).message else { Issue.record("name only"); return }
        #expect(n.name == "Ann" && n.metadata == nil && n.attributes == nil && n.id != nil)
    }

    @Test func metricsDefaultsToEnabled() {
        #expect(Parsed(#"{"type":"metrics"}"#).message == .metrics(enabled: true, intervalMilliseconds: nil, id: nil))
        let off = Parsed(#"{"type":"metrics","enabled":false,"interval_ms":2500,"id":3}"#)
        guard case .metrics(let enabled, let interval, let id) = off.message else { Issue.record("\(off.result)"); return }
        #expect(enabled == false)
        #expect(interval == 2500)
        #expect(off.raw(id) == "3")
    }

    @Test func participantsPagesFromACursorWithAnOptionalLimit() {
        #expect(Parsed(#"{"type":"participants"}"#).message == .participants(after: nil, limit: nil, id: nil))
        #expect(Parsed(#"{"type":"participants","after":null,"limit":null}"#).message == .participants(after: nil, limit: nil, id: nil))
        let p = Parsed(#"{"type":"participants","after":4294967296,"limit":50,"id":"p2"}"#)
        guard case .participants(let after, let limit, let id) = p.message else { Issue.record("\(p.result)"); return }
        #expect(after == 4_294_967_296)
        #expect(limit == 50)
        #expect(p.raw(id) == #""p2""#)
        let cursor = ProtocolError.badMessage("'after' must be a cursor (a 'next' or 'participants_next' value)")
        #expect(Parsed(#"{"type":"participants","after":-1}"#).error == cursor)
        #expect(Parsed(#"{"type":"participants","after":"12"}"#).error == cursor)
        #expect(Parsed(#"{"type":"participants","after":1.5}"#).error == cursor)
        #expect(Parsed(#"{"type":"participants","limit":"9"}"#).error == .badMessage("'limit' must be an integer"))
    }

    @Test func unknownMembersAreIgnoredAndOrderDoesNotMatter() {
        #expect(Parsed(#"{"future":{"deep":[1,{"type":"publish"}]},"type":"ping"}"#).message == .ping(id: nil, t: nil))
        guard case .publish(let r) = Parsed(#"{"payload":2,"topic":"t","type":"publish"}"#).message else { Issue.record("reordered publish"); return }
        #expect(r.topic == "t")
    }

    // MARK: Exact errors

    @Test(arguments: ["nope", "[1,2]", "\"ping\"", "", #"{"type":"ping""#, #"{"type":"ping",}"#, #"{"type":"ping"} x"#])
    func notAJSONObjectIsBadJSON(_ text: String) {
        let e = Parsed(text).error
        #expect(e?.wireCode == "bad_json", "\(text.debugDescription) → \(String(describing: e))")
        #expect(e?.message.hasPrefix("malformed JSON: ") == true)
    }

    @Test(arguments: [
        (#"{"no":"type"}"#, ProtocolError.badMessage("missing 'type'")),
        (#"{"type":5}"#, .badMessage("'type' must be a string")),
        (#"{"type":null}"#, .badMessage("'type' must be a string")),
        (#"{"type":"zap"}"#, .unknownType("zap")),
        (#"{"type":"PING"}"#, .unknownType("PING")),
        (#"{"type":"publish","payload":1}"#, .badMessage("publish needs a non-empty 'topic'")),
        (#"{"type":"publish","topic":"","payload":1}"#, .badMessage("publish needs a non-empty 'topic'")),
        (#"{"type":"publish","topic":5,"payload":1}"#, .badMessage("'topic' must be a string")),
        (#"{"type":"publish","topic":"t"}"#, .badMessage("publish needs a 'payload'")),
        (#"{"type":"publish","topic":"t","payload":1,"reliable":"yes"}"#, .badMessage("'reliable' must be a boolean")),
        (#"{"type":"publish","topic":"t","payload":1,"destinations":"a"}"#, .badMessage("'destinations' must be an array of strings")),
        (#"{"type":"publish","topic":"t","payload":1,"destinations":["a",1]}"#, .badMessage("'destinations' must be an array of strings")),
        (#"{"type":"subscribe"}"#, .badMessage("subscribe needs 'topics'")),
        (#"{"type":"unsubscribe","topics":null}"#, .badMessage("unsubscribe needs 'topics'")),
        (#"{"type":"subscribe","topics":"x"}"#, .badMessage("'topics' must be an array of strings")),
        (#"{"type":"update"}"#, .badMessage("update needs 'name', 'metadata' or 'attributes'")),
        (#"{"type":"update","name":1}"#, .badMessage("'name' must be a string")),
        (#"{"type":"update","metadata":{}}"#, .badMessage("'metadata' must be a string")),
        (#"{"type":"update","attributes":{"a":1}}"#, .badMessage("'attributes' must be an object of strings")),
        (#"{"type":"update","attributes":["a"]}"#, .badMessage("'attributes' must be an object of strings")),
        (#"{"type":"metrics","enabled":1}"#, .badMessage("'enabled' must be a boolean")),
        (#"{"type":"metrics","interval_ms":1.5}"#, .badMessage("'interval_ms' must be an integer")),
        (#"{"type":"metrics","interval_ms":"100"}"#, .badMessage("'interval_ms' must be an integer")),
    ] as [(String, ProtocolError)])
    func malformedMessagesGetTheExactError(_ text: String, _ expected: ProtocolError) {
        #expect(Parsed(text).error == expected, "\(text)")
    }

    @Test func unknownTypeMessageNamesTheType() {
        #expect(Parsed(#"{"type":"zap"}"#).error?.wireCode == "unknown_type")
        #expect(Parsed(#"{"type":"zap"}"#).error?.message == "unknown message type 'zap'")
    }

    // MARK: idRange

    @Test func idRangeFindsTheIdOfAnUnparsableRequest() {
        func id(_ text: String) -> String? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBytes { ClientMessage.idRange(in: $0) }.map { String(decoding: bytes[$0], as: UTF8.self) }
        }
        #expect(id(#"{"type":"zap","id":9}"#) == "9")
        #expect(id(#"{"id":[1, 2],"topics":"x"}"#) == "[1, 2]")
        #expect(id(#"{"type":"publish"}"#) == nil)
        #expect(id("[1]") == nil)
        #expect(id("nope") == nil)
    }

    /// Issue 12: the id was lost when it followed a part the parser refuses, and `"id":01`
    /// was answered with `"id":0`.
    @Test func idRangeFindsTheIdBehindARefusedPartAndNeverAWrongOne() {
        func id(_ text: String) -> String? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBytes { ClientMessage.idRange(in: $0) }.map { String(decoding: bytes[$0], as: UTF8.self) }
        }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(id(#"{"type":"publish","topic":"t","payload":\#(deep),"id":"deep-1"}"#) == #""deep-1""#)
        #expect(id(#"{"type":"publish","topic":"\ud800","payload":1,"id":7}"#) == "7")
        #expect(id(#"{"type":"publish","payload":{"a":"}\"]"},"id":{"n":[1]}}"#) == #"{"n":[1]}"#)
        #expect(id(#"{"type":"ping","id":01}"#) == nil)
        #expect(id(#"{"id":01,"type":"ping"}"#) == nil)
        #expect(id(#"{"type":"ping","payload":[1,2,"id":3}"#) == nil)
        #expect(id(#"{"type":"ping","id":"unterminated}"#) == nil)
    }
}
