import AudioDecoding
import MusicCatalog
import RoomCore
import WaveDefectServer

extension FuzzTarget {
    /// A room definition file (YAML) as `serve` loads it from `rooms/`.
    static let roomDefinition = FuzzTarget("room-yaml", "RoomDefinitionLoader.parse (YAML room definitions)") { input in
        _ = try? RoomDefinitionLoader.parse(String(decoding: input, as: UTF8.self), file: "fuzz.yaml", defaults: RoomConfiguration())
    }

    /// A `.npy` vector file and its ids file (`import-vectors`): the input is split at its
    /// first `\n\n\n` into the array and the ids (one per line); a table it accepts has one
    /// row of `dimension` values per id.
    static let npyVectors = FuzzTarget("npy", ".npy vectors + ids (VectorFile.parseNPY, NPYArray)") { input in
        let bytes = Array(input)
        let marker: [UInt8] = [10, 10, 10]
        var cut = bytes.count
        if bytes.count >= 3 {
            for i in 0...(bytes.count - 3) where bytes[i] == 10 && Array(bytes[i..<i + 3]) == marker {
                cut = i
                break
            }
        }
        let array = Array(bytes[..<cut])
        let ids = cut + 3 <= bytes.count ? Array(bytes[(cut + 3)...]) : []
        _ = try? NPYArray(bytes: array)
        if let table = try? VectorFile.parseNPY(array, ids: ids, model: "fuzz") {
            check(table)
        }
    }

    /// JSON-lines vectors (`{"id": 12, "vector": […]}` per line).
    static let jsonLinesVectors = FuzzTarget("jsonl", "JSON-lines vectors (VectorFile.parseJSONLines)") { input in
        if let table = try? VectorFile.parseJSONLines(Array(input), model: "fuzz") {
            check(table)
        }
    }

    private static func check(_ table: VectorTable) {
        precondition(table.values.count == table.ids.count * table.dimension, "\(table.ids.count) ids × \(table.dimension) ≠ \(table.values.count) values")
    }

    /// The FFmpeg-backed decoder on audio held in memory (an upload, an iTunes preview), with
    /// caps small enough that one input costs at most a few milliseconds of decoding.
    static let audioDecoder = FuzzTarget("audio", "AudioDecoder.decode(bytes:) (FFmpeg, in memory)") { input in
        let decoder = AudioDecoder(limits: DecodeLimits(maxDuration: 2, maxInputBytes: 1 << 20, maxCorruptPackets: 8), sampleRate: 8000)
        guard let audio = try? decoder.decode(bytes: Array(input)) else { return }
        precondition(audio.sampleRate == 8000, "asked for 8000 Hz, got \(audio.sampleRate)")
    }
}
