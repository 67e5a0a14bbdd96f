import Testing
@testable import WireJSON

@Suite struct JSONParserTests {
    @Test func parsesScalarsAndContainers() throws {
        let v = try JSONParser.parse(#" { "a" : [1, -2.5, 3e2, true, false, null, "x"], "b": {} } "#)
        #expect(v["a"] == [1, -2.5, 300, true, false, nil, "x"])
        #expect(v["b"] == .object(JSONObject()))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let v = try JSONParser.parse(#""a\"b\\c\/\n\t\u00e9\ud83c\udfb5""#)
        #expect(v == .string("a\"b\\c/\n\té🎵"))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":}", "01", "1.", "-", "1e", "tru", "nul", "\"abc", "\"\u{01}\"",
        #""\x""#, #""\ud800""#, #""\ud800\u0041""#, "{\"a\" 1}", "[1 2]", "{1:2}", "1 2", "+1", ".5",
    ])
    func refusesMalformedDocuments(_ text: String) {
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
    }

    /// Each refusal names its rule and the byte where parsing stopped.
    @Test(arguments: [
        ("", JSONError.unexpectedEnd(at: 0)),
        ("{", .unexpectedEnd(at: 1)),
        ("[1,]", .unexpectedCharacter(at: 3)),
        ("{\"a\":}", .unexpectedCharacter(at: 5)),
        ("1.", .invalidNumber(at: 2)),
        // Found by the `json` fuzz harness: read as infinity, written back as null.
        ("1e400", .numberOutOfRange(at: 0)),
        ("{\"a\":[-18e88310]}", .numberOutOfRange(at: 6)),
        ("01", .trailingData(at: 1)),
        ("\"\u{01}\"", .invalidString(at: 1)),
        ("[1 2]", .unexpectedCharacter(at: 3)),
    ])
    func refusalsNameTheRuleAndTheOffset(_ text: String, _ expected: JSONError) {
        #expect(throws: expected) { try JSONParser.parse(text) }
    }

    @Test func limitsNestingDepth() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect { try JSONParser.parse(deep, maxDepth: 64) } throws: { ($0 as? JSONError)?.message == "nesting too deep" }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser.parse(ok, maxDepth: 64)
        let deepObject = String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(throws: JSONError.self) { try JSONParser.parse(deepObject, maxDepth: 64) }
    }

    @Test func membersGiveRawRangesOfValues() throws {
        let text = Array(#"{"type":"publish","payload": {"x": [1, 2]} ,"n":7}"#.utf8)
        var seen: [(String, String)] = []
        try text.withUnsafeBytes { buf in
            try JSONParser.forEachMember(of: buf) { key, range in
                seen.append((key, String(decoding: buf[range], as: UTF8.self)))
            }
        }
        #expect(seen.map(\.0) == ["type", "payload", "n"])
        #expect(seen.map(\.1) == [#""publish""#, #"{"x": [1, 2]}"#, "7"])
    }

    @Test func memberWalkRejectsInvalidNestedValues() {
        let text = Array(#"{"payload": {"x": [1, 2}}"#.utf8)
        #expect(throws: JSONError.self) {
            try text.withUnsafeBytes { buf in try JSONParser.forEachMember(of: buf) { _, _ in } }
        }
        let notObject = Array("[1]".utf8)
        #expect(throws: JSONError.self) {
            try notObject.withUnsafeBytes { buf in try JSONParser.forEachMember(of: buf) { _, _ in } }
        }
    }

    @Test func largeObjectsKeepOrderAndLastDuplicateWins() throws {
        var text = "{"
        for i in 0..<100_000 { text += "\"k\(i)\":\(i)," }
        text += "\"k5\":\"again\"}"
        let v = try JSONParser.parse(text).objectValue!
        #expect(v.count == 100_000)
        #expect(v.keys.first == "k0" && v.keys.last == "k99999")
        #expect(v["k5"] == "again")
        #expect(v["k99999"] == 99999)
        var o = v
        o["k3"] = nil
        #expect(o.count == 99_999 && o["k4"] == 4 && o["k3"] == nil)
    }

    @Test func integersStayExact() throws {
        #expect(try JSONParser.parse("9007199254740991").int64Value == 9_007_199_254_740_991)
        #expect(try JSONParser.parse("-42").int64Value == -42)
        #expect(try JSONParser.parse("1.5").int64Value == nil)
    }
}

@Suite struct JSONWriterTests {
    @Test func writesCompactJSONWithCommas() {
        var w = JSONWriter()
        w.beginObject()
        w.key("type"); w.string("data")
        w.key("seq"); w.int(42)
        w.key("list"); w.beginArray(); w.int(1); w.bool(true); w.null(); w.beginObject(); w.endObject(); w.endArray()
        w.key("neg"); w.int(-7)
        w.key("d"); w.double(0.25)
        w.endObject()
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"{"type":"data","seq":42,"list":[1,true,null,{}],"neg":-7,"d":0.25}"#)
    }

    @Test func escapesStrings() {
        var w = JSONWriter()
        w.string("a\"b\\c\n\u{01}é")
        #expect(String(decoding: w.bytes, as: UTF8.self) == #""a\"b\\c\n\u0001é""#)
    }

    @Test func roundTripsValues() throws {
        let v: JSONValue = ["k": ["x", 1, 2.5, nil, ["nested": true]], "e": ""]
        #expect(try JSONParser.parse(v.serialized) == v)
    }

    @Test func extremeIntegers() {
        var w = JSONWriter()
        w.beginArray(); w.int(Int64.min); w.int(Int64.max); w.uint(UInt64.max); w.double(.nan); w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == "[-9223372036854775808,9223372036854775807,18446744073709551615,null]")
    }
}
