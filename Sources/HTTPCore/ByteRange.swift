/// What a `Range` request header asks of a representation of `size` bytes (RFC 9110 §14):
/// one range of bytes, all of it, or nothing it could have.
///
/// One `bytes=` range is served (`first-last`, `first-`, `-suffix`); a header that is not
/// valid `bytes` syntax, or asks for several ranges, is ignored as §14.2 allows and the
/// whole representation is sent (a media element only ever asks for one range).
public enum ByteRange: Equatable, Sendable {
    /// No usable `Range`: a `200` with every byte.
    case full
    /// A `206` with bytes `first...last` (inclusive, both inside the representation).
    case partial(first: Int, last: Int)
    /// A `416`: valid syntax, but no byte of the representation is in the range.
    case unsatisfiable

    public init(header: String?, size: Int) {
        guard let header else { self = .full; return }
        let trimmed = header.trimmingWhitespace
        guard trimmed.count > 6, trimmed.prefix(6).lowercased() == "bytes=" else { self = .full; return }
        let spec = trimmed.dropFirst(6).trimmingWhitespace
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { self = .full; return }
        let firstText = spec[..<dash].trimmingWhitespace, lastText = spec[spec.index(after: dash)...].trimmingWhitespace
        func number(_ text: Substring) -> Int? {
            guard !text.isEmpty, text.utf8.count <= 18, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(text)
        }
        if firstText.isEmpty {
            // `-N`: the last N bytes.
            guard let suffix = number(lastText) else { self = .full; return }
            guard suffix > 0, size > 0 else { self = .unsatisfiable; return }
            self = .partial(first: max(0, size - suffix), last: size - 1)
            return
        }
        guard let first = number(firstText) else { self = .full; return }
        var last = size - 1
        if !lastText.isEmpty {
            guard let given = number(lastText) else { self = .full; return }
            guard given >= first else { self = .full; return }  // invalid: ignored (§14.1.1)
            last = min(given, size - 1)
        }
        guard first < size else { self = .unsatisfiable; return }
        self = .partial(first: first, last: last)
    }

    /// How many bytes the response body carries.
    public func length(size: Int) -> Int {
        switch self {
        case .full: return size
        case .partial(let first, let last): return last - first + 1
        case .unsatisfiable: return 0
        }
    }
}

extension Substring {
    fileprivate var trimmingWhitespace: Substring {
        guard let start = firstIndex(where: { $0 != " " && $0 != "\t" }) else { return self[endIndex...] }
        let end = lastIndex(where: { $0 != " " && $0 != "\t" })!
        return self[start...end]
    }
}

extension String {
    fileprivate var trimmingWhitespace: Substring { self[...].trimmingWhitespace }
}
