import WireJSON

extension ClientMessage {
    /// The raw `id` of a message that could not be handled, so its `error` names the request
    /// it answers — wherever the `id` stands. A message that is valid JSON but refused for
    /// what is in it (nested deeper than the parser's limit, a lone surrogate `"\ud800"`)
    /// still yields its id; in a message that is not JSON, an `id` is reported only when its
    /// own value is valid JSON (`"id":01` is not, and gets no id rather than a wrong one).
    public static func idRange(in bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        var id: Range<Int>?
        do {
            try JSONParser.forEachMember(of: bytes) { key, range in
                if key == "id" { id = range }
            }
            return id
        } catch {
            return scanForID(bytes)
        }
    }

    /// A scan of the top-level object that needs no more than balanced brackets and closed
    /// strings: no recursion, no depth limit, escapes are skipped rather than decoded.
    static func scanForID(_ b: UnsafeRawBufferPointer) -> Range<Int>? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        /// Index after the string starting at `i` (a quote), or nil when it never closes.
        func stringEnd(_ i: Int) -> Int? {
            var j = i + 1
            while j < b.count {
                if b[j] == backslash { j += 2; continue }
                if b[j] == quote { return j + 1 }
                j += 1
            }
            return nil
        }
        /// Index after the value starting at `i`.
        func valueEnd(_ i: Int) -> Int? {
            guard i < b.count else { return nil }
            if b[i] == quote { return stringEnd(i) }
            if b[i] == UInt8(ascii: "{") || b[i] == UInt8(ascii: "[") {
                var depth = 0
                var j = i
                while j < b.count {
                    switch b[j] {
                    case quote:
                        guard let e = stringEnd(j) else { return nil }
                        j = e
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 { return j + 1 }
                    default: break
                    }
                    j += 1
                }
                return nil
            }
            var j = i
            while j < b.count && !isSpace(b[j]) && b[j] != UInt8(ascii: ",") && b[j] != UInt8(ascii: "}") { j += 1 }
            return j
        }
        var i = 0
        func skipSpace() { while i < b.count && isSpace(b[i]) { i += 1 } }
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        while true {
            skipSpace()
            guard i < b.count, b[i] == quote, let keyEnd = stringEnd(i) else { return nil }
            let isID = keyEnd - i == 4 && b[i + 1] == UInt8(ascii: "i") && b[i + 2] == UInt8(ascii: "d")
            i = keyEnd
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace()
            guard let end = valueEnd(i) else { return nil }
            if isID {
                let range = i..<end
                return (try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: b[range]))) == nil ? nil : range
            }
            i = end
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ",") else { return nil }
            i += 1
        }
    }
}
