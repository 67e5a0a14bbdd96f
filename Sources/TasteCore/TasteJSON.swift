import WireJSON

/// The exact wire shapes of issue 8's `taste` and `recs` topics, written once per message.
public enum TasteJSON {
    /// `{"host":ID,"guest":ID,"similarity":…,"host_tracks":[…],"guest_tracks":[…],
    /// "matches":[{"host_track":{…},"guest_track":{…},"score":…}],
    /// "pockets":[{"label":…,"host":n,"guest":n,"shared":bool}],"explanation":"…"}`.
    public static func taste(_ r: TasteResult) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 512)
        w.beginObject()
        w.key("host")
        w.string(r.host)
        w.key("guest")
        w.string(r.guest)
        w.key("similarity")
        w.double(r.similarity)
        w.key("host_tracks")
        tracks(&w, r.hostTracks)
        w.key("guest_tracks")
        tracks(&w, r.guestTracks)
        w.key("matches")
        w.beginArray()
        for m in r.matches {
            w.beginObject()
            w.key("host_track")
            track(&w, m.hostTrack)
            w.key("guest_track")
            track(&w, m.guestTrack)
            w.key("score")
            w.double(m.score)
            w.endObject()
        }
        w.endArray()
        w.key("pockets")
        w.beginArray()
        for p in r.pockets {
            w.beginObject()
            w.key("label")
            w.string(p.label)
            w.key("host")
            w.int(p.host)
            w.key("guest")
            w.int(p.guest)
            w.key("shared")
            w.bool(p.shared)
            w.endObject()
        }
        w.endArray()
        w.key("explanation")
        w.string(r.explanation)
        w.endObject()
        return w.bytes
    }

    /// `{"room_blend":{"participants":[ID…],"cohesion":…,"pockets":[{"label":…,
    /// "counts":{ID:n…},"shared_by":n}],"tracks":[{"id","title","artist","score"}]}}`.
    public static func roomBlend(_ b: RoomBlend) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 512)
        w.beginObject()
        w.key("room_blend")
        w.beginObject()
        w.key("participants")
        w.beginArray()
        for p in b.participants { w.string(p) }
        w.endArray()
        w.key("cohesion")
        w.double(b.cohesion)
        w.key("pockets")
        w.beginArray()
        for p in b.pockets {
            w.beginObject()
            w.key("label")
            w.string(p.label)
            w.key("counts")
            w.beginObject()
            for (identity, n) in zip(b.participants, p.counts) {
                w.key(identity)
                w.int(n)
            }
            w.endObject()
            w.key("shared_by")
            w.int(p.sharedBy)
            w.endObject()
        }
        w.endArray()
        w.key("tracks")
        w.beginArray()
        for t in b.tracks {
            w.beginObject()
            trackMembers(&w, t.track)
            w.key("score")
            w.double(t.score)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// `{"for":ID,"tracks":[{"id","title","artist","score","why","youtube_url"}]}`; `youtube_url`
    /// null when no video is known for the track (docs/youtube.md).
    public static func recs(for identity: String, _ recommendations: [Recommendation], tracks directory: TrackDirectory, youtubeURLs: [Int64: String] = [:]) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 128 + 160 * recommendations.count)
        w.beginObject()
        w.key("for")
        w.string(identity)
        w.key("tracks")
        w.beginArray()
        for r in recommendations {
            w.beginObject()
            trackMembers(&w, directory[r.trackID])
            w.key("score")
            w.double(r.score)
            w.key("why")
            w.string(r.why(directory))
            w.key("youtube_url")
            if let url = youtubeURLs[r.trackID] { w.string(url) } else { w.null() }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    /// `{"resolved":[ids],"unresolved":[{"title","artist","reason"} | {"id","reason"}]}`: the
    /// answer to a `profile` message, so nothing the sender listed vanishes silently.
    public static func profileResolution(_ r: ProfileResolution) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 128)
        w.beginObject()
        w.key("resolved")
        w.beginArray()
        for id in r.trackIDs { w.int(id) }
        w.endArray()
        w.key("unresolved")
        w.beginArray()
        for u in r.unresolved {
            w.beginObject()
            switch u.item {
            case .id(let id):
                w.key("id")
                w.int(id)
            case .text(let title, let artist):
                w.key("title")
                w.string(title)
                if let artist {
                    w.key("artist")
                    w.string(artist)
                }
            }
            w.key("reason")
            w.string(u.reason)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    /// `{"error":"…"}` (plus `"unknown":[ids]` for unknown tracks): what the agent sends back
    /// to the sender of a refused message.
    public static func error(_ e: TastePayloadError) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 96)
        w.beginObject()
        w.key("error")
        w.string(e.message)
        if !e.trackIDs.isEmpty {
            w.key("unknown")
            w.beginArray()
            for id in e.trackIDs { w.int(id) }
            w.endArray()
        }
        w.endObject()
        return w.bytes
    }

    static func tracks(_ w: inout JSONWriter, _ list: [TrackInfo]) {
        w.beginArray()
        for t in list { track(&w, t) }
        w.endArray()
    }

    static func track(_ w: inout JSONWriter, _ t: TrackInfo) {
        w.beginObject()
        trackMembers(&w, t)
        w.endObject()
    }

    static func trackMembers(_ w: inout JSONWriter, _ t: TrackInfo) {
        w.key("id")
        w.int(t.id)
        w.key("title")
        w.string(t.title)
        w.key("artist")
        w.string(t.artist)
    }
}
