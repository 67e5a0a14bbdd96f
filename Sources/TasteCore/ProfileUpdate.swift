import WireJSON

/// One message on topic `profile`:
/// `{"tracks":[{"id":N} | {"title":"…","artist":"…"}], "replace":false}`.
public struct ProfileUpdate: Sendable, Equatable {
    public enum Item: Sendable, Equatable {
        case id(Int64)
        /// Resolved by fuzzy catalog search; `artist` narrows it when given.
        case text(title: String, artist: String?)

        /// A room definition's `host_profile` entry: a track id, or "Title - Artist" (split at
        /// the last " - "; without one, the whole text is the title).
        public static func parse(definitionEntry text: String) -> Item {
            let trimmed = text.trimmingCharacters(in: " \t")
            if let id = Int64(trimmed) { return .id(id) }
            let characters = Array(trimmed)
            var i = characters.count - 3
            while i > 0 {
                if characters[i] == " ", characters[i + 1] == "-", characters[i + 2] == " " {
                    let title = String(characters[..<i]).trimmingCharacters(in: " \t")
                    let artist = String(characters[(i + 3)...]).trimmingCharacters(in: " \t")
                    if !title.isEmpty { return .text(title: title, artist: artist.isEmpty ? nil : artist) }
                    break
                }
                i -= 1
            }
            return .text(title: trimmed, artist: nil)
        }
    }

    public var items: [Item]
    /// true: the profile becomes exactly these tracks; false (default): they are added.
    public var replace: Bool

    public init(items: [Item], replace: Bool = false) {
        self.items = items
        self.replace = replace
    }

    public static func parse(_ payload: [UInt8], maxTracks: Int = 500) throws(TastePayloadError) -> ProfileUpdate {
        let value: JSONValue
        do { value = try JSONParser.parse(payload) } catch { throw .notJSON(error.description) }
        return try parse(value, maxTracks: maxTracks)
    }

    public static func parse(_ value: JSONValue, maxTracks: Int = 500) throws(TastePayloadError) -> ProfileUpdate {
        guard let object = value.objectValue else { throw .notAnObject("profile") }
        if let unknown = object.keys.first(where: { $0 != "tracks" && $0 != "replace" }) {
            throw .control("unknown profile member \"\(unknown)\" (expected tracks, replace)")
        }
        guard let tracks = object["tracks"]?.arrayValue else { throw .field("tracks", "an array of {\"id\":N} or {\"title\":…,\"artist\":…}") }
        guard tracks.count <= maxTracks else { throw .tooMany("tracks", limit: maxTracks) }
        var replace = false
        if let r = object["replace"] {
            guard let b = r.boolValue else { throw .field("replace", "true or false") }
            replace = b
        }
        var items: [Item] = []
        items.reserveCapacity(tracks.count)
        for (i, track) in tracks.enumerated() {
            guard let entry = track.objectValue else { throw .field("tracks[\(i)]", "an object") }
            if let id = entry["id"] {
                guard let id = id.int64Value else { throw .field("tracks[\(i)].id", "an integer track id") }
                guard entry.count == 1 else { throw .field("tracks[\(i)]", "either {\"id\":N} or {\"title\":…,\"artist\":…}, not both") }
                items.append(.id(id))
                continue
            }
            guard let title = entry["title"]?.stringValue, !title.trimmingCharacters(in: " \t").isEmpty else {
                throw .field("tracks[\(i)]", "{\"id\":N} or {\"title\":\"…\",\"artist\":\"…\"} with a non-empty title")
            }
            var artist: String?
            if let a = entry["artist"] {
                guard let s = a.stringValue else { throw .field("tracks[\(i)].artist", "a string") }
                artist = s.isEmpty ? nil : s
            }
            if let extra = entry.keys.first(where: { $0 != "title" && $0 != "artist" }) {
                throw .field("tracks[\(i)]", "{\"title\":…,\"artist\":…} without \"\(extra)\"")
            }
            items.append(.text(title: title, artist: artist))
        }
        return ProfileUpdate(items: items, replace: replace)
    }
}

/// The outcome of resolving a profile update against the catalog: every item is either a
/// track id or reported back with the reason, never dropped.
public struct ProfileResolution: Sendable, Equatable {
    public struct Unresolved: Sendable, Equatable {
        public var item: ProfileUpdate.Item
        public var reason: String
    }

    /// Track ids in message order, each once.
    public var trackIDs: [Int64] = []
    public var unresolved: [Unresolved] = []

    /// - `exists`: whether a track id is in the catalog (and index).
    /// - `search`: the best fuzzy match for a title and optional artist, or nil.
    public static func resolve(
        _ items: [ProfileUpdate.Item], exists: (Int64) -> Bool, search: (String, String?) -> Int64?
    ) -> ProfileResolution {
        var out = ProfileResolution()
        var seen = Set<Int64>()
        for item in items {
            switch item {
            case .id(let id):
                guard exists(id) else {
                    out.unresolved.append(.init(item: item, reason: "no track with id \(id)"))
                    continue
                }
                if seen.insert(id).inserted { out.trackIDs.append(id) }
            case .text(let title, let artist):
                guard let id = search(title, artist) else {
                    out.unresolved.append(.init(item: item, reason: "no catalog track matches"))
                    continue
                }
                if seen.insert(id).inserted { out.trackIDs.append(id) }
            }
        }
        return out
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
