import WireJSON

/// One message on topic `recs.control`.
public enum RecsControl: Sendable, Equatable {
    /// `{"seeds":[ids]}`: replaces the seed set (an empty list clears it).
    case seeds([Int64])
    /// `{"thumb":{"id":N,"up":true|false}}`.
    case thumb(id: Int64, up: Bool)
    /// `{"knobs":{"breadth":0..1,"explore":0..1}}`: either or both.
    case knobs(breadth: Double?, explore: Double?)
    /// `{"more":true}`: the next page of the current list.
    case more

    /// Parses a payload: exactly one of the four members, with the documented types and
    /// ranges. Anything else is refused with a reason that names the offending member.
    public static func parse(_ payload: [UInt8], maxSeeds: Int = 64) throws(TastePayloadError) -> RecsControl {
        let value: JSONValue
        do { value = try JSONParser.parse(payload) } catch { throw .notJSON(error.description) }
        return try parse(value, maxSeeds: maxSeeds)
    }

    public static func parse(_ value: JSONValue, maxSeeds: Int = 64) throws(TastePayloadError) -> RecsControl {
        guard let object = value.objectValue else { throw .notAnObject("recs.control") }
        let known = ["seeds", "thumb", "knobs", "more"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw .control("unknown recs.control member \"\(unknown)\" (expected one of seeds, thumb, knobs, more)")
        }
        guard object.count == 1, let key = object.keys.first, let member = object[key] else {
            throw .control("a recs.control message has exactly one of seeds, thumb, knobs, more")
        }
        switch key {
        case "seeds":
            guard let elements = member.arrayValue else { throw .field("seeds", "an array of track ids") }
            guard elements.count <= maxSeeds else { throw .tooMany("seeds", limit: maxSeeds) }
            var ids: [Int64] = []
            for e in elements {
                guard let id = e.int64Value else { throw .field("seeds", "an array of integer track ids") }
                if !ids.contains(id) { ids.append(id) }
            }
            return .seeds(ids)
        case "thumb":
            guard let thumb = member.objectValue else { throw .field("thumb", "an object {\"id\":N,\"up\":true|false}") }
            guard let id = thumb["id"]?.int64Value else { throw .field("thumb.id", "an integer track id") }
            guard let up = thumb["up"]?.boolValue else { throw .field("thumb.up", "true or false") }
            return .thumb(id: id, up: up)
        case "knobs":
            guard let knobs = member.objectValue else { throw .field("knobs", "an object with breadth and/or explore") }
            if let extra = knobs.keys.first(where: { $0 != "breadth" && $0 != "explore" }) {
                throw .control("unknown knob \"\(extra)\" (expected breadth, explore)")
            }
            let breadth = try knob("breadth", knobs["breadth"])
            let explore = try knob("explore", knobs["explore"])
            guard breadth != nil || explore != nil else { throw .field("knobs", "an object with breadth and/or explore") }
            return .knobs(breadth: breadth, explore: explore)
        default:
            guard member.boolValue == true else { throw .field("more", "true") }
            return .more
        }
    }

    private static func knob(_ name: String, _ value: JSONValue?) throws(TastePayloadError) -> Double? {
        guard let value else { return nil }
        guard let x = value.doubleValue else { throw .field(name, "a number between 0 and 1") }
        guard (0...1).contains(x) else { throw .range(name, x) }
        return x
    }
}
