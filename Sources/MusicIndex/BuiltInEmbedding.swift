/// The name and size of the vectors WaveDefect computes itself (MFCC means and deviations,
/// made by `TrackEmbedder` in MusicIngest). Known here so the index can load and standardize
/// them without linking the decoder and DSP that make them.
public enum BuiltInEmbedding {
    /// The catalog's model name for these vectors.
    public static let modelName = "mfcc20-meanstd"
    public static let dimension = 40
}
