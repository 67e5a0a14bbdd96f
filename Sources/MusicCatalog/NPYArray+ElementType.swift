/// The `descr` of an .npy header: byte order, kind and size of one element.
extension NPYArray {
    struct ElementType {
        enum Kind { case float, signed, unsigned }
        let kind: Kind
        let size: Int
        let bigEndian: Bool

        init(descr: String) throws(VectorFileError) {
            let chars = Array(descr)
            guard chars.count >= 3, "<>|=".contains(chars[0]), let size = Int(String(chars[2...])) else {
                throw .npy("unsupported dtype '\(descr)'")
            }
            bigEndian = chars[0] == ">"
            switch (chars[1], size) {
            case ("f", 2), ("f", 4), ("f", 8): kind = .float
            case ("i", 1), ("i", 2), ("i", 4), ("i", 8): kind = .signed
            case ("u", 1), ("u", 2), ("u", 4), ("u", 8): kind = .unsigned
            default: throw .npy("unsupported dtype '\(descr)' (use float16/32/64 or integers)")
            }
            self.size = size
        }

        func decode(_ raw: UnsafeRawBufferPointer, count: Int) -> Values {
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                let v = raw.loadUnaligned(fromByteOffset: i * size, as: T.self)
                return bigEndian ? T(bigEndian: v) : T(littleEndian: v)
            }
            switch kind {
            case .float:
                return .floating((0..<count).map { i -> Float in
                    switch size {
                    case 2: return Float(Float16(bitPattern: load(UInt16.self, i)))
                    case 4: return Float(bitPattern: load(UInt32.self, i))
                    default: return Float(Double(bitPattern: load(UInt64.self, i)))
                    }
                })
            case .signed:
                return .integer((0..<count).map { i -> Int64 in
                    switch size {
                    case 1: return Int64(load(Int8.self, i))
                    case 2: return Int64(load(Int16.self, i))
                    case 4: return Int64(load(Int32.self, i))
                    default: return load(Int64.self, i)
                    }
                })
            case .unsigned:
                return .integer((0..<count).map { i -> Int64 in
                    switch size {
                    case 1: return Int64(load(UInt8.self, i))
                    case 2: return Int64(load(UInt16.self, i))
                    case 4: return Int64(load(UInt32.self, i))
                    default: return Int64(truncatingIfNeeded: load(UInt64.self, i))
                    }
                })
            }
        }
    }
}
