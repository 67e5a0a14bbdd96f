import ITunesCore
import Testing
import WireJSON

@Suite struct ITunesSearchAPITests {
    @Test func searchURLHasTheDocumentedParameters() {
        #expect(ITunesSearchAPI.searchURL(base: "https://itunes.apple.com/", term: "Daft Punk Get Lucky")
            == "https://itunes.apple.com/search?term=Daft+Punk+Get+Lucky&media=music&entity=song&limit=5")
        #expect(ITunesSearchAPI.searchURL(base: "http://127.0.0.1:9", term: "a", limit: 0).hasSuffix("&limit=1"))
        #expect(ITunesSearchAPI.searchURL(base: "http://127.0.0.1:9", term: "a", limit: 500).hasSuffix("&limit=200"))
        #expect(ITunesSearchAPI.searchURL(base: "http://h", term: "a", limit: 5, country: "GB")
            == "http://h/search?term=a&media=music&entity=song&limit=5&country=GB")
    }

    @Test func termsAreFormEncoded() {
        #expect(ITunesSearchAPI.encodeTerm("Beyoncé & Jay-Z") == "Beyonc%C3%A9+%26+Jay-Z")
        #expect(ITunesSearchAPI.encodeTerm("a?b=c#d/e+f") == "a%3Fb%3Dc%23d%2Fe%2Bf")
        #expect(ITunesSearchAPI.encodeTerm("x_y.z~") == "x_y.z~")
        #expect(ITunesSearchAPI.encodeTerm("") == "")
    }

    /// The answer shape Apple documents, with the members the API really sends.
    static let answer = """
        {"resultCount":4,"results":[
        {"wrapperType":"track","kind":"song","artistId":5468295,"collectionId":617154241,"trackId":617154366,
         "artistName":"Daft Punk","collectionName":"Random Access Memories","trackName":"Get Lucky (feat. Pharrell Williams & Nile Rodgers)",
         "collectionCensoredName":"Random Access Memories","trackCensoredName":"Get Lucky (feat. Pharrell Williams & Nile Rodgers)",
         "previewUrl":"https://audio-ssl.itunes.apple.com/itunes-assets/AudioPreview115/v4/x/mzaf_1.plus.aac.p.m4a",
         "artworkUrl100":"https://is1-ssl.mzstatic.com/image/thumb/100x100bb.jpg","collectionPrice":11.99,"trackPrice":1.29,
         "releaseDate":"2013-04-19T07:00:00Z","collectionExplicitness":"notExplicit","trackExplicitness":"notExplicit",
         "discCount":1,"discNumber":1,"trackCount":13,"trackNumber":8,"trackTimeMillis":369629,"country":"USA",
         "currency":"USD","primaryGenreName":"Pop","isStreamable":true},
        {"wrapperType":"track","kind":"music-video","trackId":1,"artistName":"Daft Punk","trackName":"Get Lucky"},
        {"wrapperType":"collection","collectionId":2,"artistName":"Daft Punk","collectionName":"RAM"},
        {"wrapperType":"track","kind":"song","trackId":617154367,"artistName":"Daft Punk","trackName":"Lose Yourself to Dance",
         "trackTimeMillis":353893}
        ]}
        """

    @Test func answersReadAsSongsInOrder() throws {
        let tracks = try ITunesSearchAPI.tracks(body: Array(Self.answer.utf8))
        #expect(tracks == [
            ITunesTrack(
                trackID: 617154366, name: "Get Lucky (feat. Pharrell Williams & Nile Rodgers)", artist: "Daft Punk",
                album: "Random Access Memories", durationMilliseconds: 369629,
                previewURL: "https://audio-ssl.itunes.apple.com/itunes-assets/AudioPreview115/v4/x/mzaf_1.plus.aac.p.m4a"),
            ITunesTrack(trackID: 617154367, name: "Lose Yourself to Dance", artist: "Daft Punk", durationMilliseconds: 353893),
        ])
    }

    @Test func songsWithoutTheRequiredMembersAreSkipped() throws {
        let body = #"{"results":[{"trackId":0,"trackName":"a","artistName":"b"},{"trackId":3,"artistName":"b"},"#
            + #"{"trackId":4,"trackName":"t","artistName":"a","previewUrl":"ftp://x/y.m4a","trackTimeMillis":-5}]}"#
        #expect(try ITunesSearchAPI.tracks(body: Array(body.utf8)) == [ITunesTrack(trackID: 4, name: "t", artist: "a")])
        #expect(try ITunesSearchAPI.tracks(body: Array(#"{"resultCount":0,"results":[]}"#.utf8)) == [])
    }

    @Test func unreadableAnswersAreErrors() {
        #expect(throws: JSONBodyError.self) { try ITunesSearchAPI.tracks(body: Array("<html>".utf8)) }
        do {
            _ = try ITunesSearchAPI.tracks(body: Array("<html>".utf8))
        } catch {
            #expect(error.isBadJSON)
        }
        do {
            _ = try ITunesSearchAPI.tracks(body: Array(#"{"errorMessage":"Invalid value(s) for key(s): [mediaType]"}"#.utf8))
            Issue.record("no error")
        } catch {
            #expect(!error.isBadJSON)
            #expect(error.message == "search body has no 'results' array")
        }
    }

    @Test func wantedTracksSearchByFirstArtistAndCleanTitle() {
        let w = WantedTrack(title: "Get Lucky (feat. Pharrell Williams) - Radio Edit", artists: ["Daft Punk", "Pharrell Williams"], spotifyID: "69kOkLUCkxIZYexIgSG8rq", isrc: "USQX91300108")
        #expect(w.searchTerm == "daft punk get lucky")
        #expect(w.key == "spotify:69kOkLUCkxIZYexIgSG8rq")
        #expect(WantedTrack(title: "x", artists: [], isrc: "GBAYE0601498").key == "isrc:GBAYE0601498")
        #expect(WantedTrack(title: "Hey Jude - Remastered 2015", artists: ["The Beatles"]).key == "text:beatles|hey jude")
        #expect(WantedTrack(title: "Intro", artists: []).searchTerm == "intro")
    }
}
