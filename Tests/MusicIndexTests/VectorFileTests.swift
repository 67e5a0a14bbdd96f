import MusicCatalog
import Testing

@Suite struct VectorFileTests {
    /// An .npy file with the given header dict and raw data.
    static func npy(_ header: String, _ data: [UInt8], version: UInt8 = 1) -> [UInt8] {
        var text = Array(header.utf8)
        let prefix = version == 1 ? 10 : 12
        while (prefix + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        if version == 1 {
            out += [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
        } else {
            out += [UInt8(text.count & 0xFF), UInt8(text.count >> 8), 0, 0]
        }
        return out + text + data
    }

    static func f32(_ values: [Float], bigEndian: Bool = false) -> [UInt8] {
        values.flatMap { v -> [UInt8] in
            let bits = bigEndian ? v.bitPattern.bigEndian : v.bitPattern.littleEndian
            return withUnsafeBytes(of: bits) { Array($0) }
        }
    }

    @Test func readsArraysSavedByNumPy() throws {
        let expected: [Float] = (0..<12).map { Float($0) / 4 - 1 }
        let f4 = try NPYArray(bytes: Fixtures.bytes("vectors_f4.npy"))
        #expect(f4.shape == [3, 4] && f4.floats == expected)
        let fortran = try NPYArray(bytes: Fixtures.bytes("vectors_f8_fortran.npy"))
        #expect(fortran.shape == [3, 4] && fortran.floats == expected)
        #expect(try NPYArray(bytes: Fixtures.bytes("ids_i8.npy")).integers == [3, 1, 2])
        let table = try VectorFile.parseNPY(Fixtures.bytes("vectors_f4.npy"), ids: Fixtures.bytes("ids_i8.npy"), model: "m")
        #expect(table.ids == [3, 1, 2] && table.dimension == 4 && Array(table.row(1)) == [0, 0.25, 0.5, 0.75])
    }

    @Test func readsBigEndianVersionTwoAndTextIDs() throws {
        let bytes = Self.npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", Self.f32([1, 2, 3, 4], bigEndian: true), version: 2)
        let table = try VectorFile.parseNPY(bytes, ids: Array("10\n20\n".utf8), model: "m")
        #expect(table.values == [1, 2, 3, 4] && table.ids == [10, 20])
    }

    @Test(arguments: [
        ("bad magic", Array("NUMPY not really".utf8)),
        ("truncated data", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f32([1, 2, 3]))),
        ("trailing data", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", f32([1, 2, 3]))),
        ("complex dtype", npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1, 1), }", f32([1, 2]))),
        ("no shape", npy("{'descr': '<f4', 'fortran_order': False, }", f32([1]))),
        ("bad shape", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (a, 2), }", f32([1, 2]))),
        ("header past end", [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 0xFF, 0xFF, 0x7B]),
        ("unknown version", [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 9, 0, 0, 0]),
    ])
    func refusesBadNPYFiles(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: VectorFileError.self, "\(name)") { try NPYArray(bytes: bytes) }
    }

    @Test func refusesNPYVectorsThatDoNotFit() throws {
        let oneD = Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", Self.f32([1, 2, 3]))
        #expect(throws: VectorFileError.self) { try VectorFile.parseNPY(oneD, ids: Array("1\n".utf8), model: "m") }
        let twoRows = Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }", Self.f32([1, 2]))
        #expect(throws: VectorFileError.mismatch("1 ids for 2 vectors")) { try VectorFile.parseNPY(twoRows, ids: Array("1\n".utf8), model: "m") }
        #expect(throws: VectorFileError.mismatch("track id 1 appears twice")) { try VectorFile.parseNPY(twoRows, ids: Array("1\n1\n".utf8), model: "m") }
        let nan = Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }", Self.f32([1, .nan]))
        #expect(throws: VectorFileError.self) { try VectorFile.parseNPY(nan, ids: Array("1\n2\n".utf8), model: "m") }
        #expect(throws: VectorFileError.line(2, "not an integer track id: x")) { try VectorFile.parseIDs(Array("1\nx\n".utf8)) }
    }

    @Test func readsJSONLines() throws {
        let text = "{\"id\": 1, \"vector\": [0.5, 1, -2]}\n\n{\"track_id\": 7, \"vector\": [1e-3, 0, 3]}\r\n"
        let table = try VectorFile.parseJSONLines(Array(text.utf8), model: "m")
        #expect(table.ids == [1, 7] && table.dimension == 3 && table.values == [0.5, 1, -2, 0.001, 0, 3])
    }

    @Test(arguments: [
        ("{\"id\": 1, \"vector\": [1, 2]}\n{\"id\": 2, \"vector\": [1]}", VectorFileError.line(2, "vector has 1 numbers, earlier lines have 2")),
        ("{\"vector\": [1]}", .line(1, "missing integer \"id\"")),
        ("{\"id\": 1.5, \"vector\": [1]}", .line(1, "missing integer \"id\"")),
        ("{\"id\": 1}", .line(1, "missing \"vector\" array")),
        ("{\"id\": 1, \"vector\": []}", .line(1, "empty vector")),
        ("{\"id\": 1, \"vector\": [1e39]}", .line(1, "vector elements must be finite numbers")),
        ("{\"id\": 1, \"vector\": [\"a\"]}", .line(1, "vector elements must be finite numbers")),
        ("{\"id\": 1, \"vector\": [1]}\n{\"id\": 1, \"vector\": [2]}", .mismatch("track id 1 appears twice")),
        ("\n \n", .mismatch("no vectors in input")),
    ])
    func refusesBadJSONLines(_ text: String, _ error: VectorFileError) {
        #expect(throws: error) { try VectorFile.parseJSONLines(Array(text.utf8), model: "m") }
    }

    @Test func reportsTheLineOfInvalidJSON() {
        #expect { try VectorFile.parseJSONLines(Array("{\"id\": 1, \"vector\": [1]}\n{oops".utf8), model: "m") } throws: { error in
            guard let error = error as? VectorFileError else { return false }
            return error.lineNumber == 2 && error.message.hasPrefix("invalid JSON")
        }
    }
}
