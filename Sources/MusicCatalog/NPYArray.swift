/// A NumPy `.npy` array (format versions 1–3), read without NumPy: the way vectors computed in
/// Python (e.g. 1,024-d foundation-model embeddings) come into the catalog.
///
/// Floating types (f2, f4, f8) become `Float`; integer types (i1–i8, u1–u8) become `Int64`, for
/// id arrays. Both byte orders; Fortran order is transposed to row-major.
public struct NPYArray: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
        case floating([Float])
        case integer([Int64])
    }

    public let shape: [Int]
    public let values: Values

    public var elementCount: Int { shape.reduce(1, *) }

    /// Largest header accepted; NumPy writes a few hundred bytes.
    static let maxHeaderLength = 1 << 16

    public init(bytes: [UInt8]) throws(VectorFileError) {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw .npy("not an .npy file (bad magic)") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .npy("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw .npy("unsupported format version \(major)")
        }
        guard headerLength <= Self.maxHeaderLength, headerStart + headerLength <= bytes.count else {
            throw .npy("truncated or oversized header (\(headerLength) bytes)")
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let descr = try Self.stringValue(of: "descr", in: header)
        let fortran = try Self.rawValue(of: "fortran_order", in: header)
        guard fortran == "False" || fortran == "True" else { throw .npy("bad fortran_order \(fortran)") }
        let shape = try Self.shape(in: header)
        let element = try ElementType(descr: descr)
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        let dataStart = headerStart + headerLength
        let (needed, overflow) = count.multipliedReportingOverflow(by: element.size)
        guard !overflow, bytes.count - dataStart == needed else {
            throw .npy("data is \(bytes.count - dataStart) bytes, shape \(shape) of \(descr) needs \(overflow ? "too many" : String(needed))")
        }
        var values = bytes.withUnsafeBytes { raw in element.decode(UnsafeRawBufferPointer(rebasing: raw[dataStart...]), count: count) }
        if fortran == "True", shape.count == 2 { values = Self.transpose(values, rows: shape[0], columns: shape[1]) }
        self.shape = shape
        self.values = values
    }

    public var floats: [Float]? {
        if case .floating(let f) = values { return f }
        return nil
    }

    public var integers: [Int64]? {
        if case .integer(let i) = values { return i }
        return nil
    }

    // MARK: Header

    private static func rawValue(of key: String, in header: String) throws(VectorFileError) -> String {
        let needle = Array("'\(key)'")
        let chars = Array(header)
        guard let at = (0...max(0, chars.count - needle.count)).first(where: { chars.count >= needle.count && Array(chars[$0..<($0 + needle.count)]) == needle })
        else { throw .npy("header has no '\(key)'") }
        var rest = Substring(String(chars[(at + needle.count)...])).drop { $0 == " " }
        guard rest.first == ":" else { throw .npy("malformed header near '\(key)'") }
        rest = rest.dropFirst().drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw .npy("unterminated tuple for '\(key)'") }
            return String(rest[...close])
        }
        return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingSpaces
    }

    private static func stringValue(of key: String, in header: String) throws(VectorFileError) -> String {
        let raw = try rawValue(of: key, in: header)
        guard raw.count >= 2, raw.first == "'" || raw.first == "\"", raw.last == raw.first else {
            throw .npy("'\(key)' is not a string: \(raw)")
        }
        return String(raw.dropFirst().dropLast())
    }

    private static func shape(in header: String) throws(VectorFileError) -> [Int] {
        let tuple = try rawValue(of: "shape", in: header)
        guard tuple.first == "(", tuple.last == ")" else { throw .npy("shape is not a tuple: \(tuple)") }
        var dims: [Int] = []
        for part in tuple.dropFirst().dropLast().split(separator: ",") {
            let text = String(part).trimmingSpaces
            if text.isEmpty { continue }
            guard let d = Int(text), d >= 0 else { throw .npy("bad dimension \(text) in shape \(tuple)") }
            dims.append(d)
        }
        return dims
    }

    private static func transpose(_ values: Values, rows: Int, columns: Int) -> Values {
        func t<T>(_ a: [T]) -> [T] {
            // Fortran order stores column after column: element (r, c) sits at c * rows + r.
            (0..<(rows * columns)).map { i in a[(i % columns) * rows + i / columns] }
        }
        switch values {
        case .floating(let f): return .floating(t(f))
        case .integer(let i): return .integer(t(i))
        }
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
