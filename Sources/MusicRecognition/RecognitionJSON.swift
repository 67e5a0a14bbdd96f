import FingerprintCore
import MusicCatalog
import WireJSON

/// The JSON of a match, shared by `wavedefect recognize --json` and the live recognizer, so
/// both say the same thing the same way (docs/recognition.md lists the fields).
public enum RecognitionJSON {
    /// Writes the `"match"` object: `id`, `path`, `title`, `artist`, `youtube_url` (a video of
    /// the track, docs/youtube.md; null when none is known, and always from `recognize`, which
    /// looks nothing up), `offset_s` (where in the
    /// track the query starts), `score` (significance, −log10 of the chance bound),
    /// `aligned_hashes`, `rival_aligned` (query frames another track aligns that this one does not), `query_hashes`, `expected_by_chance`, `query_start_s`/`query_end_s`
    /// (the part of the query that matched) and `histogram` (top offset bins: `offset_s`,
    /// `count`).
    public static func writeMatch(_ match: RecognizedTrack, queryHashes: Int, youtubeURL: String?, into w: inout JSONWriter) {
        let c = match.candidate
        w.beginObject()
        writeTrackFields(match.track, into: &w)
        w.key("youtube_url")
        if let youtubeURL { w.string(youtubeURL) } else { w.null() }
        w.key("offset_s")
        w.double(rounded(match.offsetSeconds, 1e3))
        w.key("score")
        w.double(rounded(match.score, 1e2))
        w.key("aligned_hashes")
        w.int(c.alignedHashes)
        w.key("rival_aligned")
        w.int(c.runnerUpAligned)
        w.key("query_hashes")
        w.int(queryHashes)
        w.key("expected_by_chance")
        w.double(rounded(c.expectedAligned, 1e3))
        w.key("query_start_s")
        w.double(rounded(match.queryStartSeconds, 1e3))
        w.key("query_end_s")
        w.double(rounded(match.queryEndSeconds, 1e3))
        w.key("histogram")
        writeHistogram(c.histogram, frameSeconds: match.frameSeconds, into: &w)
        w.endObject()
    }

    /// The catalog track's `id`, `path`, `title` and `artist` (null when unknown), as every
    /// recognition output names it (a match, a segment of `recognize --all`).
    public static func writeTrackFields(_ track: Track, into w: inout JSONWriter) {
        w.key("id")
        w.int(track.id)
        w.key("path")
        w.string(track.source)
        w.key("title")
        if let title = track.title { w.string(title) } else { w.null() }
        w.key("artist")
        if let artist = track.artist { w.string(artist) } else { w.null() }
    }

    /// `[{"offset_s": …, "count": …}, …]`, highest first.
    public static func writeHistogram(_ bins: [OffsetBin], frameSeconds: Double, into w: inout JSONWriter) {
        w.beginArray()
        for bin in bins {
            w.beginObject()
            w.key("offset_s")
            w.double(rounded(Double(bin.offset) * frameSeconds, 1e3))
            w.key("count")
            w.int(bin.count)
            w.endObject()
        }
        w.endArray()
    }

    static func rounded(_ x: Double, _ scale: Double) -> Double { (x * scale).rounded() / scale }
}
