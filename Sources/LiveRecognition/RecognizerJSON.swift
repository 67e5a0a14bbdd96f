import MusicRecognition
import WireJSON

/// The `recognition` payload: `{"for":ID,"state":"listening"|"match"|"no_match",
/// "elapsed_s":…,"match":{…}}` — `match` is the object `wavedefect recognize --json` prints
/// (with the offset histogram's top bins, and `youtube_url` when the server knows a video),
/// present for `match` only; `error` says why a stream could not be decoded.
enum RecognizerJSON {
    static func answer(_ answer: RecognitionSession.Answer, for identity: String, recognition: Recognition?, youtubeURL: String? = nil) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("for")
        w.string(identity)
        w.key("state")
        w.string(answer.state.rawValue)
        w.key("elapsed_s")
        w.double((answer.elapsedSeconds * 1000).rounded() / 1000)
        if answer.state == .match, let recognition, let match = recognition.match {
            w.key("match")
            RecognitionJSON.writeMatch(match, queryHashes: recognition.result.queryLandmarks, youtubeURL: youtubeURL, into: &w)
        }
        if let error = answer.error {
            w.key("error")
            w.string(error)
        }
        w.endObject()
        return w.bytes
    }
}
