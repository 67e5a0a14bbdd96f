import ITunesCore
import Testing
import TrackText

@Suite struct MatchTextTests {
    @Test func titlesAreNormalized() {
        #expect(MatchText.normalizeTitle("Get Lucky (feat. Pharrell Williams) [Radio Edit]") == "get lucky")
        #expect(MatchText.normalizeTitle("Hey Jude - Remastered 2015") == "hey jude")
        #expect(MatchText.normalizeTitle("Bohemian Rhapsody - Live Aid") == "bohemian rhapsody")
        #expect(MatchText.normalizeTitle("Up - Down") == "up down")
        #expect(MatchText.normalizeTitle("Mr. Brightside") == "mr brightside")
        #expect(MatchText.normalizeTitle("Rock & Roll") == "rock and roll")
        #expect(MatchText.normalizeTitle("Café del Mar") == "cafe del mar")
        #expect(MatchText.normalizeTitle("  Smells   Like Teen Spirit ") == "smells like teen spirit")
        #expect(MatchText.normalizeTitle("Lean On ft. MØ") == "lean on")
    }

    @Test func artistsAreNormalized() {
        #expect(MatchText.normalizeArtist("The Beatles") == "beatles")
        #expect(MatchText.normalizeArtist("Daft Punk feat. Pharrell Williams") == "daft punk")
        #expect(MatchText.normalizeArtist("BEYONCÉ") == "beyonce")
        #expect(MatchText.normalizeArtist("Simon & Garfunkel") == "simon and garfunkel")
        #expect(MatchText.normalizeArtist("Theodore") == "theodore")
    }

    @Test func similarityIsTheDiceCoefficientOfBigrams() {
        #expect(MatchText.similarity("night", "nacht") == 0.25)
        #expect(MatchText.similarity("get lucky", "get lucky") == 1)
        #expect(MatchText.similarity("", "") == 0)
        #expect(MatchText.similarity("a", "a") == 1)
        #expect(MatchText.similarity("a", "b") == 0)
        #expect(MatchText.similarity("abc", "") == 0)
        // Bigrams count as a multiset: "aaaa" has three "aa", "aa" one.
        #expect(MatchText.similarity("aaaa", "aa") == 0.5)
    }

    @Test func wordsAreContainedOnlyWhole() {
        #expect(MatchText.containsWords("daft punk and pharrell williams", "daft punk"))
        #expect(!MatchText.containsWords("daft punks", "daft punk"))
        #expect(!MatchText.containsWords("abc", ""))
    }
}

@Suite struct ITunesMatcherTests {
    let matcher = ITunesMatcher()
    let wanted = WantedTrack(title: "Get Lucky (feat. Pharrell Williams & Nile Rodgers)", artists: ["Daft Punk", "Pharrell Williams", "Nile Rodgers"], durationMilliseconds: 369_626)

    func song(_ id: Int64, _ name: String, _ artist: String, ms: Int? = 369_629, preview: Bool = true) -> ITunesTrack {
        ITunesTrack(trackID: id, name: name, artist: artist, durationMilliseconds: ms, previewURL: preview ? "https://p/\(id).m4a" : nil)
    }

    @Test func scoresWeighTitleArtistAndDuration() {
        let exact = matcher.score(wanted, song(1, "Get Lucky (feat. Pharrell Williams & Nile Rodgers)", "Daft Punk"))
        #expect(exact == .init(title: 1, artist: 1, duration: 1, total: 1))
        // A credited artist contained as whole words counts as equal.
        #expect(matcher.score(wanted, song(2, "Get Lucky", "Daft Punk & Pharrell Williams")).artist == 1)
        // Unknown duration is neutral.
        let s = matcher.score(wanted, song(3, "Get Lucky", "Daft Punk", ms: nil))
        #expect(s.duration == 0.5 && abs(s.total - 0.95) < 1e-12)
    }

    @Test func durationClosenessFallsLinearly() {
        #expect(matcher.score(WantedTrack(title: "a", artists: [], durationMilliseconds: 200_000), song(1, "a", "", ms: 201_999)).duration == 1)
        #expect(matcher.score(WantedTrack(title: "a", artists: [], durationMilliseconds: 200_000), song(1, "a", "", ms: 211_000)).duration == 0.5)
        #expect(matcher.score(WantedTrack(title: "a", artists: [], durationMilliseconds: 200_000), song(1, "a", "", ms: 180_000)).duration == 0)
        #expect(matcher.score(WantedTrack(title: "a", artists: [], durationMilliseconds: 200_000), song(1, "a", "", ms: 100_000)).duration == 0)
    }

    @Test func theRightArtistBeatsAKaraokeVersionListedFirst() throws {
        let candidates = [
            song(10, "Get Lucky (Karaoke Version)", "Party Tyme Karaoke"),
            song(11, "Get Lucky (Radio Edit) [feat. Pharrell Williams & Nile Rodgers]", "Daft Punk", ms: 248_413),
            song(12, "Get Lucky (feat. Pharrell Williams & Nile Rodgers)", "Daft Punk"),
        ]
        let match = try #require(matcher.pick(wanted, among: candidates))
        #expect(match.track.trackID == 12 && match.rank == 2 && match.score.total == 1)
        // The radio edit alone: title and artist right, the duration 121 s off, still above the threshold.
        let edit = try #require(matcher.pick(wanted, among: [candidates[0], candidates[1]]))
        #expect(edit.track.trackID == 11 && edit.score.duration == 0 && abs(edit.score.total - 0.9) < 1e-12)
    }

    @Test func resultsWithoutAPreviewAreNoCandidates() {
        #expect(matcher.pick(wanted, among: [song(1, "Get Lucky", "Daft Punk", preview: false)]) == nil)
        #expect(matcher.pick(wanted, among: [song(1, "Get Lucky", "Daft Punk", preview: false), song(2, "Get Lucky", "Daft Punk")])?.track.trackID == 2)
    }

    @Test func belowTheFloorsNothingIsPicked() {
        // The right artist, another song.
        #expect(matcher.pick(wanted, among: [song(1, "Lose Yourself to Dance", "Daft Punk")]) == nil)
        // The right title, another artist.
        #expect(matcher.pick(wanted, among: [song(2, "Get Lucky", "The Jane Doe Band")]) == nil)
        // A near title (0.6 ≤ title) with a right artist but off in time falls under the total threshold (0.8).
        let near = matcher.score(wanted, song(3, "Get Luckier", "Daft Punk", ms: 100_000))
        #expect(near.title >= 0.6 && near.total < 0.8)
        #expect(matcher.pick(wanted, among: [song(3, "Get Luckier", "Daft Punk", ms: 100_000)]) == nil)
        #expect(matcher.pick(wanted, among: []) == nil)
    }

    @Test func tiesGoToTheEarlierResult() {
        let picked = matcher.pick(wanted, among: [song(1, "Get Lucky", "Daft Punk"), song(2, "Get Lucky", "Daft Punk")])
        #expect(picked?.track.trackID == 1)
    }

    @Test func accentsCaseAndTheArticleDoNotMatter() {
        let w = WantedTrack(title: "Déjà Vu", artists: ["Beyoncé"], durationMilliseconds: 240_000)
        #expect(matcher.pick(w, among: [song(1, "DEJA VU", "BEYONCE", ms: 240_500)])?.score.total == 1)
        let beatles = WantedTrack(title: "Hey Jude - Remastered 2015", artists: ["The Beatles"], durationMilliseconds: 425_000)
        #expect(matcher.pick(beatles, among: [song(2, "Hey Jude", "Beatles", ms: 431_333)])?.track.trackID == 2)
    }
}
