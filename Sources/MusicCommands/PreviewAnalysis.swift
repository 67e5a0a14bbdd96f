import FingerprintCore
import ITunesClient
import MusicIngest
import MusicRecognition

/// What `serve` and `crawl` do with an iTunes preview: decode it from memory once, embed it and
/// fingerprint the same samples, as `ingest` does with a file — so a preview stored in the
/// catalog is recognized (`recognize`, the live `recognizer`) like an ingested track.
public enum PreviewAnalysis {
    public static func embedder(embedder: TrackEmbedder = TrackEmbedder(), fingerprinter: Fingerprinter = Fingerprinter()) -> PreviewEmbedder {
        precondition(fingerprinter.settings.sampleRate == embedder.decoder.sampleRate, "the embedder and the fingerprinter read the same samples")
        return { bytes in
            let audio = try embedder.decoder.decode(bytes: bytes)
            let embedding = try embedder.embed(audio)
            return EmbeddedPreview(
                vector: embedding.vector, duration: embedding.duration, model: TrackEmbedder.modelName,
                fingerprint: FingerprintLibrary.storedFingerprint(samples: audio.samples, fingerprinter: fingerprinter))
        }
    }
}
