/// Appends JSON to a byte array without building a tree first.
///
/// The server encodes each outgoing message exactly once with this writer and then writes the
/// same bytes to every recipient, so it is kept allocation-free beyond the output array.
/// Commas are inserted automatically: the writer remembers, per nesting level, whether the
/// container already holds an element.
public struct JSONWriter: Sendable {
    public var bytes: [UInt8]
    /// Bit `d` is set when the container at depth `d` already has an element.
    private var hasElement: UInt64 = 0
    private var depth = 0
    private var afterKey = false

    public init(reservingCapacity capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Continues writing after bytes that are already in `prefix` (for example space reserved
    /// for a WebSocket frame header).
    public init(prefix: [UInt8]) {
        bytes = prefix
    }

    @inline(__always)
    private mutating func separator() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth & 63)
        if hasElement & bit != 0 {
            bytes.append(UInt8(ascii: ","))
        } else {
            hasElement |= bit
        }
    }

    public mutating func beginObject() {
        separator()
        bytes.append(UInt8(ascii: "{"))
        depth += 1
        hasElement &= ~(1 << UInt64(depth & 63))
    }

    public mutating func endObject() {
        depth -= 1
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        separator()
        bytes.append(UInt8(ascii: "["))
        depth += 1
        hasElement &= ~(1 << UInt64(depth & 63))
    }

    public mutating func endArray() {
        depth -= 1
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes a member name; the next value call writes its value.
    public mutating func key(_ name: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func key(_ name: String) {
        separator()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func string(_ value: String) {
        separator()
        appendQuoted(value)
    }

    public mutating func int(_ value: Int64) {
        separator()
        appendInteger(value)
    }

    public mutating func int(_ value: Int) { int(Int64(value)) }

    public mutating func uint(_ value: UInt64) {
        separator()
        if value <= UInt64(Int64.max) {
            appendInteger(Int64(value))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    public mutating func double(_ value: Double) {
        separator()
        appendDouble(value)
    }

    public mutating func bool(_ value: Bool) {
        separator()
        if value {
            bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        } else {
            bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        }
    }

    public mutating func null() {
        separator()
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    }

    /// Inserts bytes that are already valid JSON (a forwarded payload).
    public mutating func raw(_ json: UnsafeRawBufferPointer) {
        separator()
        bytes.append(contentsOf: json)
    }

    public mutating func raw(_ json: [UInt8]) {
        separator()
        bytes.append(contentsOf: json)
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let d): double(d)
        case .string(let s): string(s)
        case .array(let elements):
            beginArray()
            for e in elements { self.value(e) }
            endArray()
        case .object(let object):
            beginObject()
            for (k, v) in object.members {
                key(k)
                self.value(v)
            }
            endObject()
        }
    }

    // MARK: Primitives

    private mutating func appendInteger(_ value: Int64) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch for up to 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { scratch -> Int in
            var n = 0
            while magnitude > 0 {
                scratch[23 - n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                n += 1
            }
            return n
        }
        withUnsafeBytes(of: &digits) { bytes.append(contentsOf: $0[(24 - count)...]) }
    }

    private mutating func appendDouble(_ value: Double) {
        guard value.isFinite else {
            bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            return
        }
        if value.rounded() == value, abs(value) < 9_007_199_254_740_992 {
            appendInteger(Int64(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    private mutating func appendQuoted(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let c = utf8[i]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                runStart = i + 1
                bytes.append(contentsOf: JSONInPlaceWriter.escape(c).bytes)
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// Compact serialization, members in stored order.
    public var serialized: [UInt8] {
        var w = JSONWriter()
        w.value(self)
        return w.bytes
    }

    public var serializedString: String { String(decoding: serialized, as: UTF8.self) }
}
