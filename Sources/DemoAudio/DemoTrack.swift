/// One synthesized demo track: metadata plus a renderer. Same spec, same samples, every run.
public struct DemoTrack: Sendable, Equatable {
    public let style: DemoStyle
    public let variant: Int
    public let duration: Double
    public let sampleRate: Int

    public init(style: DemoStyle, variant: Int, duration: Double, sampleRate: Int = 22_050) {
        self.style = style
        self.variant = variant
        self.duration = duration
        self.sampleRate = sampleRate
    }

    public var title: String { style.trackTitle(variant: variant) }
    public var artist: String { style.artists[variant % style.artists.count] }
    public var album: String { style.albums[variant % style.albums.count] }
    /// `techno-07.wav`: style and variant, so the files of a catalog sort by style.
    public var fileName: String {
        "\(style.rawValue)-\(variant + 1 < 10 ? "0" : "")\(variant + 1).wav"
    }

    public func render() -> [Float] { style.render(variant: variant, duration: duration, sampleRate: sampleRate) }

    /// 16-bit mono WAV bytes of `render()`, tagged with the title, artist and album: the
    /// catalog names a demo track from its file alone, whoever ingests it (`serve`, or
    /// `ingest data/demo`).
    public func wavBytes() -> [UInt8] { WAVEncoder.encode(channels: [render()], sampleRate: sampleRate, tags: tags) }

    public var tags: WAVEncoder.Tags { WAVEncoder.Tags(title: title, artist: artist, album: album, genre: style.title) }

    /// Variants per style in the default catalog: 12 styles × 24 = 288 tracks, enough for
    /// recommendations to choose among (and every title distinct).
    public static let defaultVariantsPerStyle = 24
    /// Seconds per track: long enough for stable MFCC statistics (over 250 frames), short
    /// enough that the whole catalog renders and ingests in seconds.
    public static let defaultDuration = 6.0

    /// The default demo catalog: every style, `variantsPerStyle` tracks each.
    public static func catalog(
        variantsPerStyle: Int = defaultVariantsPerStyle, duration: Double = defaultDuration, sampleRate: Int = 22_050
    ) -> [DemoTrack] {
        DemoStyle.allCases.flatMap { style in
            (0..<variantsPerStyle).map { DemoTrack(style: style, variant: $0, duration: duration, sampleRate: sampleRate) }
        }
    }
}
