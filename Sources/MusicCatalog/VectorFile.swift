import WireJSON

/// Reads the inputs of `import-vectors` into a `VectorTable`, checking everything before the
/// catalog is touched: one dimension for all rows, finite numbers, no duplicate ids.
public enum VectorFile {
    /// JSON lines: `{"id": 12, "vector": [0.1, …]}` per line (`track_id` is accepted for `id`).
    /// Blank lines are skipped.
    public static func parseJSONLines(_ bytes: [UInt8], model: String) throws(VectorFileError) -> VectorTable {
        var ids: [Int64] = []
        var values: [Float] = []
        var dimension = 0
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNumber += 1
            defer { start = end + 1 }
            let line = bytes[start..<end]
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let object: JSONValue
            do {
                object = try line.withUnsafeBytes { raw throws(JSONError) in try JSONParser.parse(raw) }
            } catch {
                throw .line(lineNumber, "invalid JSON: \(error)")
            }
            guard let id = (object["id"] ?? object["track_id"])?.int64Value else {
                throw .line(lineNumber, "missing integer \"id\"")
            }
            guard let array = object["vector"]?.arrayValue else { throw .line(lineNumber, "missing \"vector\" array") }
            if ids.isEmpty {
                guard !array.isEmpty else { throw .line(lineNumber, "empty vector") }
                dimension = array.count
            } else if array.count != dimension {
                throw .line(lineNumber, "vector has \(array.count) numbers, earlier lines have \(dimension)")
            }
            for element in array {
                guard let x = element.doubleValue, Float(x).isFinite else {
                    throw .line(lineNumber, "vector elements must be finite numbers")
                }
                values.append(Float(x))
            }
            ids.append(id)
        }
        guard !ids.isEmpty else { throw .mismatch("no vectors in input") }
        try checkUnique(ids)
        return VectorTable(model: model, dimension: dimension, ids: ids, values: values)
    }

    /// A 2-D float `.npy` (rows × dimension) with its ids: a 1-D integer `.npy`, or text with
    /// one id per line.
    public static func parseNPY(_ bytes: [UInt8], ids idBytes: [UInt8], model: String) throws(VectorFileError) -> VectorTable {
        let matrix = try NPYArray(bytes: bytes)
        guard matrix.shape.count == 2, matrix.shape[1] > 0 else {
            throw .npy("vectors must be a 2-D array (rows × dimension), got shape \(matrix.shape)")
        }
        guard let floats = matrix.floats else { throw .npy("vectors must be float16, float32 or float64") }
        if let bad = floats.firstIndex(where: { !$0.isFinite }) {
            throw .npy("row \(bad / matrix.shape[1]) contains NaN or infinity (or a float64 beyond float32 range)")
        }
        let ids = try parseIDs(idBytes)
        guard ids.count == matrix.shape[0] else {
            throw .mismatch("\(ids.count) ids for \(matrix.shape[0]) vectors")
        }
        try checkUnique(ids)
        return VectorTable(model: model, dimension: matrix.shape[1], ids: ids, values: floats)
    }

    /// Track ids from a 1-D integer `.npy`, or from text with one decimal id per line.
    public static func parseIDs(_ bytes: [UInt8]) throws(VectorFileError) -> [Int64] {
        if bytes.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) {
            let array = try NPYArray(bytes: bytes)
            guard array.shape.count == 1, let ids = array.integers else {
                throw .npy("ids must be a 1-D integer array, got shape \(array.shape)")
            }
            return ids
        }
        var ids: [Int64] = []
        for (n, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = String(line).trimmingSpaces.trimmingCharacters("\r")
            if text.isEmpty { continue }
            guard let id = Int64(text) else { throw .line(n + 1, "not an integer track id: \(text.prefix(40))") }
            ids.append(id)
        }
        return ids
    }

    private static func checkUnique(_ ids: [Int64]) throws(VectorFileError) {
        var seen = Set<Int64>()
        for id in ids where !seen.insert(id).inserted { throw .mismatch("track id \(id) appears twice") }
    }
}

extension String {
    func trimmingCharacters(_ c: Character) -> String {
        var s = Substring(self)
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
