import WebSocketCore
import WireJSON

/// A Twirp JSON request body. protojson accepts both the proto field name (snake_case) and
/// its lowerCamelCase JSON name, so lookups try both.
struct TwirpBody {
    let object: JSONObject

    init(object: JSONObject) {
        self.object = object
    }

    init(_ bytes: [UInt8]) throws(TwirpError) {
        if bytes.isEmpty {
            object = JSONObject()
            return
        }
        // Refused rather than repaired: a name or metadata must not change on its way in.
        guard bytes.withUnsafeBytes({ UTF8Validator.isValid($0) }) else { throw .malformed("request body is not valid UTF-8") }
        guard let value = try? JSONParser.parse(bytes), let o = value.objectValue else {
            throw .malformed("request body is not a JSON object")
        }
        object = o
    }

    func value(_ name: String) -> JSONValue? {
        if let v = object[name], !v.isNull { return v }
        if let v = object[Self.camelCase(name)], !v.isNull { return v }
        return nil
    }

    func string(_ name: String) throws(TwirpError) -> String? {
        guard let v = value(name) else { return nil }
        guard let s = v.stringValue else { throw .malformed("\(name) must be a string") }
        return s
    }

    func requiredString(_ name: String) throws(TwirpError) -> String {
        guard let s = try string(name), !s.isEmpty else { throw .invalidArgument("\(name) is required") }
        return s
    }

    /// uint32 and int64 fields: protojson writes int64 as strings, accept both.
    func int(_ name: String) throws(TwirpError) -> Int? {
        guard let v = value(name) else { return nil }
        if let i = v.int64Value, let n = Int(exactly: i), n >= 0 { return n }
        if let s = v.stringValue, let n = Int(s), n >= 0 { return n }
        throw .malformed("\(name) must be a non-negative integer")
    }

    /// A uint32 field (LiveKit's timeouts and counts): larger values are refused.
    func uint32(_ name: String) throws(TwirpError) -> Int? {
        guard let n = try int(name) else { return nil }
        guard n <= Int(UInt32.max) else { throw .invalidArgument("\(name) must be at most \(UInt32.max)") }
        return n
    }

    func bool(_ name: String) throws(TwirpError) -> Bool? {
        guard let v = value(name) else { return nil }
        guard let b = v.boolValue else { throw .malformed("\(name) must be a boolean") }
        return b
    }

    func strings(_ name: String) throws(TwirpError) -> [String]? {
        guard let v = value(name) else { return nil }
        guard let a = v.stringArrayValue else { throw .malformed("\(name) must be an array of strings") }
        return a
    }

    func stringMap(_ name: String) throws(TwirpError) -> [String: String]? {
        guard let v = value(name) else { return nil }
        guard let m = v.stringMapValue else { throw .malformed("\(name) must be an object of strings") }
        return m
    }

    func object(_ name: String) throws(TwirpError) -> TwirpBody? {
        guard let v = value(name) else { return nil }
        guard let o = v.objectValue else { throw .malformed("\(name) must be an object") }
        return try TwirpBody(o.json)
    }

    /// A repeated message field.
    func objects(_ name: String) throws(TwirpError) -> [TwirpBody]? {
        guard let v = value(name) else { return nil }
        guard let items = v.arrayValue else { throw .malformed("\(name) must be an array of objects") }
        var bodies: [TwirpBody] = []
        for item in items {
            guard let o = item.objectValue else { throw .malformed("\(name) must be an array of objects") }
            bodies.append(TwirpBody(object: o))
        }
        return bodies
    }

    static func camelCase(_ snake: String) -> String {
        var out = ""
        var upper = false
        for c in snake {
            if c == "_" {
                upper = true
            } else {
                out.append(upper ? Character(c.uppercased()) : c)
                upper = false
            }
        }
        return out
    }
}

extension JSONObject {
    var json: [UInt8] { JSONValue.object(self).serialized }
}
