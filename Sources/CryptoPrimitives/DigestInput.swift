/// What a digest or MAC reads: anything whose bytes can be viewed contiguously. Named for
/// its use so it does not clash with Foundation's `ContiguousBytes` in files importing both.
public protocol DigestInput {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: DigestInput where Element == UInt8 {}
extension ArraySlice: DigestInput where Element == UInt8 {}
extension String: DigestInput {
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}
