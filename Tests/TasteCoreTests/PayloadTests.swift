import Testing
import WireJSON

@testable import TasteCore

@Suite struct PayloadTests {
    func control(_ text: String) throws(TastePayloadError) -> RecsControl { try RecsControl.parse(Array(text.utf8)) }
    func refusal(_ text: String) -> String? {
        do {
            _ = try control(text)
            return nil
        } catch { return error.message }
    }

    @Test func recsControlMessagesParse() throws {
        #expect(try control(#"{"seeds":[3,1,3]}"#) == .seeds([3, 1]))
        #expect(try control(#"{"seeds":[]}"#) == .seeds([]))
        #expect(try control(#"{"thumb":{"id":12,"up":false}}"#) == .thumb(id: 12, up: false))
        #expect(try control(#"{"knobs":{"breadth":0.25,"explore":1}}"#) == .knobs(breadth: 0.25, explore: 1))
        #expect(try control(#"{"knobs":{"explore":0}}"#) == .knobs(breadth: nil, explore: 0))
        #expect(try control(#"{"more":true}"#) == .more)
    }

    @Test func badRecsControlMessagesGetAReason() {
        #expect(refusal("{nope") == "payload is not JSON: unexpected character at byte 1")
        #expect(refusal("[1]") == "a recs.control payload must be a JSON object")
        #expect(refusal(#"{"seed":[1]}"#) == #"unknown recs.control member "seed" (expected one of seeds, thumb, knobs, more)"#)
        #expect(refusal(#"{"seeds":[1],"more":true}"#) == "a recs.control message has exactly one of seeds, thumb, knobs, more")
        #expect(refusal("{}") == "a recs.control message has exactly one of seeds, thumb, knobs, more")
        #expect(refusal(#"{"seeds":[1.5]}"#) == #""seeds" must be an array of integer track ids"#)
        #expect(refusal(#"{"seeds":"1"}"#) == #""seeds" must be an array of track ids"#)
        #expect(refusal(#"{"thumb":{"id":1}}"#) == #""thumb.up" must be true or false"#)
        #expect(refusal(#"{"thumb":{"up":true}}"#) == #""thumb.id" must be an integer track id"#)
        #expect(refusal(#"{"knobs":{"breadth":1.5}}"#) == #""breadth" must be between 0 and 1, got 1.5"#)
        #expect(refusal(#"{"knobs":{"explore":"high"}}"#) == #""explore" must be a number between 0 and 1"#)
        #expect(refusal(#"{"knobs":{"depth":1}}"#) == #"unknown knob "depth" (expected breadth, explore)"#)
        #expect(refusal(#"{"knobs":{}}"#) == #""knobs" must be an object with breadth and/or explore"#)
        #expect(refusal(#"{"more":false}"#) == #""more" must be true"#)
        let many = "{\"seeds\":[" + (1...65).map(String.init).joined(separator: ",") + "]}"
        #expect(refusal(many) == "at most 64 seeds per message")
    }

    @Test func profileMessagesParse() throws {
        let update = try ProfileUpdate.parse(Array(#"{"tracks":[{"id":4},{"title":"Bossa Nova 2","artist":"WaveDefect Demo Band"},{"title":"Solo"}],"replace":true}"#.utf8))
        #expect(update.replace)
        #expect(update.items == [.id(4), .text(title: "Bossa Nova 2", artist: "WaveDefect Demo Band"), .text(title: "Solo", artist: nil)])
        #expect(try ProfileUpdate.parse(Array(#"{"tracks":[]}"#.utf8)) == ProfileUpdate(items: [], replace: false))
    }

    @Test func badProfileMessagesGetAReason() {
        func refusal(_ text: String, maxTracks: Int = 500) -> String? {
            do {
                _ = try ProfileUpdate.parse(Array(text.utf8), maxTracks: maxTracks)
                return nil
            } catch { return error.message }
        }
        #expect(refusal(#"{"replace":true}"#) == #""tracks" must be an array of {"id":N} or {"title":…,"artist":…}"#)
        #expect(refusal(#"{"tracks":[{"id":"4"}]}"#) == #""tracks[0].id" must be an integer track id"#)
        #expect(refusal(#"{"tracks":[{"id":4,"title":"x"}]}"#) == #""tracks[0]" must be either {"id":N} or {"title":…,"artist":…}, not both"#)
        #expect(refusal(#"{"tracks":[{"artist":"x"}]}"#) == #""tracks[0]" must be {"id":N} or {"title":"…","artist":"…"} with a non-empty title"#)
        #expect(refusal(#"{"tracks":[{"title":"a","artist":3}]}"#) == #""tracks[0].artist" must be a string"#)
        #expect(refusal(#"{"tracks":[{"title":"a","album":"b"}]}"#) == #""tracks[0]" must be {"title":…,"artist":…} without "album""#)
        #expect(refusal(#"{"tracks":[],"replace":"yes"}"#) == #""replace" must be true or false"#)
        #expect(refusal(#"{"tracks":[],"mode":1}"#) == #"unknown profile member "mode" (expected tracks, replace)"#)
        #expect(refusal(#"{"tracks":[{"id":1},{"id":2}]}"#, maxTracks: 1) == "at most 1 tracks per message")
    }

    @Test func resolutionReportsEveryUnresolvedEntry() throws {
        let items: [ProfileUpdate.Item] = [.id(1), .id(99), .text(title: "Bossa", artist: nil), .text(title: "Nothing", artist: "Nobody"), .id(1)]
        let r = ProfileResolution.resolve(items, exists: { $0 < 10 }, search: { title, _ in title == "Bossa" ? 7 : nil })
        #expect(r.trackIDs == [1, 7])
        #expect(r.unresolved.map(\.item) == [.id(99), .text(title: "Nothing", artist: "Nobody")])
        #expect(
            String(decoding: TasteJSON.profileResolution(r), as: UTF8.self)
                == #"{"resolved":[1,7],"unresolved":[{"id":99,"reason":"no track with id 99"},{"title":"Nothing","artist":"Nobody","reason":"no catalog track matches"}]}"#)
    }

    @Test func hostProfileEntriesFromARoomDefinition() {
        #expect(ProfileUpdate.Item.parse(definitionEntry: " 12 ") == .id(12))
        #expect(ProfileUpdate.Item.parse(definitionEntry: "Bossa Nova 2 - WaveDefect Demo Band") == .text(title: "Bossa Nova 2", artist: "WaveDefect Demo Band"))
        #expect(ProfileUpdate.Item.parse(definitionEntry: "Hip-Hop - A - B") == .text(title: "Hip-Hop - A", artist: "B"))
        #expect(ProfileUpdate.Item.parse(definitionEntry: "Just a title") == .text(title: "Just a title", artist: nil))
    }

    @Test func profilesKeepOneEntryPerTrack() {
        var p = TasteProfile(trackIDs: [1, 2, 3], source: .hostProfile)
        p.extend(with: [ProfileEntry(trackID: 2, weight: 3, source: .thumb, addedAt: 5), ProfileEntry(trackID: 4, source: .seed, addedAt: 6)])
        #expect(p.trackIDs == [1, 2, 3, 4])
        #expect(p.entry(for: 2) == ProfileEntry(trackID: 2, weight: 3, source: .thumb, addedAt: 5))
        p.remove(source: .hostProfile)
        #expect(p.trackIDs == [2, 4])
        p.replace(with: [ProfileEntry(trackID: 9, source: .spotifyTop, addedAt: 7)])
        #expect(p.trackIDs == [9] && p.contains(9) && !p.contains(2))
    }
}

@Suite struct TrackTextMatcherTests {
    let hits = [
        TrackInfo(id: 1, title: "Bossa Nova 1", artist: "WaveDefect Demo Band", album: "Bossa Nova"),
        TrackInfo(id: 2, title: "Bossa Nova", artist: "Someone Else"),
        TrackInfo(id: 3, title: "bossa nova", artist: "WaveDefect Demo Band"),
    ]

    @Test func theArtistDecidesAmongTitleHits() {
        #expect(TrackTextMatcher.pick(title: "Bossa Nova", artist: "wavedefect demo band", hits: hits) == 3)
        #expect(TrackTextMatcher.pick(title: "Bossa Nova", artist: "Someone Else ", hits: hits) == 2)
        #expect(TrackTextMatcher.pick(title: "Bossa Nova", artist: "Demo Band", hits: hits) == 3)
        #expect(TrackTextMatcher.pick(title: "Bossa Nova 1", artist: "Demo", hits: hits) == 1)
        #expect(TrackTextMatcher.pick(title: "Bossa Nova", artist: "Nobody", hits: hits) == nil)
    }

    /// Spellings that differ only in what `MatchText` folds away name the same artist.
    @Test func artistsSpelledDifferentlyStillResolve() {
        let songs = [
            TrackInfo(id: 10, title: "Halo", artist: "Someone Covering"),
            TrackInfo(id: 11, title: "Halo", artist: "Beyoncé"),
            TrackInfo(id: 20, title: "Let It Be", artist: "The Beatles"),
            TrackInfo(id: 30, title: "Back in Black", artist: "AC/DC"),
            TrackInfo(id: 40, title: "Paradise City", artist: "Guns N' Roses"),
            TrackInfo(id: 50, title: "Under Pressure - Remastered 2011", artist: "Queen & David Bowie"),
            TrackInfo(id: 60, title: "Get Lucky (feat. Pharrell Williams)", artist: "Daft Punk"),
        ]
        #expect(TrackTextMatcher.pick(title: "Halo", artist: "Beyonce", hits: songs) == 11)
        #expect(TrackTextMatcher.pick(title: "halo", artist: "BEYONCÉ", hits: songs) == 11)
        #expect(TrackTextMatcher.pick(title: "Let It Be", artist: "Beatles", hits: songs) == 20)
        #expect(TrackTextMatcher.pick(title: "Let it be", artist: "the beatles", hits: songs) == 20)
        #expect(TrackTextMatcher.pick(title: "Back In Black", artist: "ACDC", hits: songs) == nil, "letters run together are another word")
        #expect(TrackTextMatcher.pick(title: "Back In Black", artist: "AC-DC", hits: songs) == 30)
        #expect(TrackTextMatcher.pick(title: "Paradise City", artist: "Guns N Roses", hits: songs) == 40)
        #expect(TrackTextMatcher.pick(title: "Under Pressure", artist: "Queen and David Bowie", hits: songs) == 50)
        #expect(TrackTextMatcher.pick(title: "Under Pressure", artist: "David Bowie", hits: songs) == 50)
        #expect(TrackTextMatcher.pick(title: "Get Lucky", artist: "Daft Punk feat. Pharrell Williams", hits: songs) == 60)
        // A misspelling is not guessed at.
        #expect(TrackTextMatcher.pick(title: "Halo", artist: "Beyonse", hits: songs) == nil)
    }

    @Test func withoutAnArtistAnEqualTitleWinsElseTheBestHit() {
        #expect(TrackTextMatcher.pick(title: "BOSSA NOVA", artist: nil, hits: hits) == 2)
        #expect(TrackTextMatcher.pick(title: "Bossa", artist: "", hits: hits) == 1)
        #expect(TrackTextMatcher.pick(title: "x", artist: nil, hits: []) == nil)
    }
}
