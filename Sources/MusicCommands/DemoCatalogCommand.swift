import ArgumentParser
import DemoAudio
import Foundation
import MusicCatalog
import MusicIndex
import MusicIngest

/// `wavedefect demo-catalog --dir DIR [--db DB]`.
public struct DemoCatalogCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "demo-catalog",
        abstract: "Write the synthesized demo tracks, and ingest them into a catalog with --db.",
        discussion: "\(DemoStyle.allCases.count) styles (\(DemoStyle.allCases.map(\.rawValue).joined(separator: ", "))); deterministic: the same files every run.")

    @Option(help: "Directory for the WAV files.")
    public var dir: String = "data/demo"

    @Option(help: "Also ingest the tracks into this catalog.")
    public var db: String?

    @Option(help: "Tracks per style.")
    public var variants: Int = DemoTrack.defaultVariantsPerStyle

    @Option(help: "Seconds per track.")
    public var duration: Double = DemoTrack.defaultDuration

    public init() {}

    public func validate() throws {
        guard (1...100).contains(variants) else { throw ValidationError("--variants must be 1…100") }
        guard duration > 0, duration <= 600 else { throw ValidationError("--duration must be in (0, 600]") }
    }

    public func run() throws {
        let tracks = DemoTrack.catalog(variantsPerStyle: variants, duration: duration)
        if let db {
            let report = try DemoCatalog.ensure(in: CatalogOptions.openForWriting(db), directory: dir, tracks: tracks)
            print("demo catalog: \(tracks.count) tracks in \(dir) (\(report.filesWritten) written), \(report.tracksAdded) added to \(db)")
        } else {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for track in tracks {
                try Data(track.wavBytes()).write(to: URL(fileURLWithPath: dir).appendingPathComponent(track.fileName))
            }
            print("wrote \(tracks.count) demo tracks to \(dir)")
        }
    }
}
