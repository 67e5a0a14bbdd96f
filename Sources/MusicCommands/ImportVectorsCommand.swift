import ArgumentParser
import Foundation
import MusicCatalog

/// `wavedefect import-vectors --db DB --model NAME FILE [--ids IDS]`.
public struct ImportVectorsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import-vectors",
        abstract: "Store vectors of another model (any dimension) for catalog tracks.",
        discussion: """
            FILE is JSON lines, {"id": TRACK_ID, "vector": [...]} per line, or a 2-D .npy array \
            (rows × dimension, float16/32/64) together with --ids: a 1-D integer .npy or a text \
            file with one track id per line, in row order. Everything is checked first (one \
            dimension, finite numbers, unique ids that exist in the catalog) and then stored in \
            one transaction: all or nothing.
            """)

    @OptionGroup public var catalog: CatalogOptions

    @Option(help: "Model name the vectors belong to ([A-Za-z0-9._-], up to 64 characters).")
    public var model: String

    @Argument(help: "Vectors: .npy or JSON lines.")
    public var file: String

    @Option(help: "Track ids for an .npy file: .npy (1-D integers) or text, one per line.")
    public var ids: String?

    @Option(help: "A description stored with a new model.")
    public var description: String?

    @Option(help: "Refuse input files larger than this many megabytes.")
    public var maxFileMB: Int = 4096

    public init() {}

    public func run() throws {
        let bytes = try Self.read(file, limitMB: maxFileMB)
        let table: VectorTable
        if file.lowercased().hasSuffix(".npy") || bytes.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) {
            guard let ids else { throw ValidationError("an .npy file needs --ids (the track id of each row)") }
            table = try VectorFile.parseNPY(bytes, ids: Self.read(ids, limitMB: maxFileMB), model: model)
        } else {
            table = try VectorFile.parseJSONLines(bytes, model: model)
        }
        let catalog = try self.catalog.openForWriting()
        try catalog.importVectors(table, description: description)
        print("imported \(table.count) vectors of dimension \(table.dimension) as model \(model)")
    }

    static func read(_ path: String, limitMB: Int) throws -> [UInt8] {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes[.size] as? Int, size > limitMB << 20 {
            throw CommandError("\(path) is larger than \(limitMB) MB (--max-file-mb)")
        }
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
