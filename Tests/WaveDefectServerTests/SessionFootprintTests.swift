import Testing
@testable import WaveDefectServer

/// Every idle joined connection holds one `WebSocketSession` (with the fields of
/// `WebSocketServerConnection` it inherits): it must stay within a 128-byte malloc chunk
/// (120 usable bytes), where the small fields of both classes fill the word the registry
/// index leaves open (docs/benchmarks.md, "Where an idle connection's bytes go").
@Suite struct SessionFootprintTests {
    @Test func sessionFitsA128ByteChunk() {
        // The reading is right: a bare ServerConnection is the 16-byte object header and
        // its 4-byte registry index.
        #expect(instanceSize(of: ServerConnection.self) == 20)
        let size = instanceSize(of: WebSocketSession.self)
        #expect(size <= 120, "a WebSocketSession takes \(size) bytes")
    }
}

/// The instance size a Swift class's metadata records, which is what `swift_allocObject`
/// asks malloc for. Without Objective-C interop (Linux) the metadata is: kind, superclass,
/// flags (4 bytes), instance address point (4), instance size (4).
private func instanceSize(of type: AnyClass) -> Int {
    Int(unsafeBitCast(type, to: UnsafeRawPointer.self).load(fromByteOffset: 24, as: UInt32.self))
}
