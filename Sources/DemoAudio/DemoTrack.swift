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

    public var title: String { "\(style.title) \(variant + 1)" }
    public static let artist = "WaveDefect Demo Band"
    public var album: String { style.title }
    public var fileName: String {
        let number = DemoStyle.allCases.firstIndex(of: style)! + 1
        return "demo-\(number)-\(style.rawValue)-\(variant + 1).wav"
    }

    public func render() -> [Float] { style.render(variant: variant, duration: duration, sampleRate: sampleRate) }

    /// 16-bit mono WAV bytes of `render()`, tagged with the title, artist and album: the
    /// catalog names a demo track from its file alone, whoever ingests it (`serve`, or
    /// `ingest data/demo`).
    public func wavBytes() -> [UInt8] { WAVEncoder.encode(channels: [render()], sampleRate: sampleRate, tags: tags) }

    public var tags: WAVEncoder.Tags { WAVEncoder.Tags(title: title, artist: Self.artist, album: album, genre: style.title) }

    /// The default demo catalog: every style, `variantsPerStyle` tracks each.
    public static func catalog(variantsPerStyle: Int = 4, duration: Double = 10, sampleRate: Int = 22_050) -> [DemoTrack] {
        DemoStyle.allCases.flatMap { style in
            (0..<variantsPerStyle).map { DemoTrack(style: style, variant: $0, duration: duration, sampleRate: sampleRate) }
        }
    }
}
