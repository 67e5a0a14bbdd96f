import Glibc

/// An immutable byte buffer shared by reference: a broadcast message is encoded into one of
/// these once and every recipient's write queue holds a reference to it, not a copy.
public final class SharedBytes: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let count: Int

    /// Copies `bytes[start...]` into a new buffer.
    public init(_ bytes: [UInt8], from start: Int = 0) {
        count = bytes.count - start
        base = .allocate(byteCount: max(count, 1), alignment: 8)
        bytes.withUnsafeBytes { src in
            if count > 0 { base.copyMemory(from: src.baseAddress! + start, byteCount: count) }
        }
    }

    /// Allocates `count` bytes and lets `initialize` write every one of them: a message
    /// encoded straight into the buffer its recipients share, with no array in between.
    public init(count: Int, initializingWith initialize: (UnsafeMutableRawPointer) -> Void) {
        self.count = count
        base = .allocate(byteCount: max(count, 1), alignment: 8)
        initialize(base)
    }

    public convenience init(_ text: String) {
        self.init(Array(text.utf8))
    }

    deinit {
        base.deallocate()
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
