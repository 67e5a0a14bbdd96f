import EventLoop
import Testing

/// Every connection holds a TCPConnection and its socket handle. Its yes/no state is one
/// bit each, so the object stays within a 96-byte malloc chunk (88 usable bytes; 112 before);
/// the handle is a `uv_poll_t` with one spare word (168 bytes), a 176-byte chunk where a
/// `uv_tcp_t` took 256 (docs/benchmarks.md, "One poll handle per socket").
@Suite struct ConnectionFootprintTests {
    @Test func connectionFitsA96ByteChunkAndItsSocketHandleA176ByteChunk() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        var accepted: [TCPConnection] = []
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0) { accepted.append($0) }
        var client: TCPConnection?
        TCPConnection.connect(loop: loop, host: "127.0.0.1", port: listener.port) { client = try? $0.get() }
        #expect(runLoop(loop) { client != nil && !accepted.isEmpty })
        for c in [client!, accepted[0]] {
            let usable = mallocUsableSize(Unmanaged.passUnretained(c).toOpaque())
            #expect(usable <= 88, "a TCPConnection takes \(usable) usable bytes")
            let handle = mallocUsableSize(UnsafeMutableRawPointer(mutating: c.socketHandleAddress))
            #expect(handle <= 168, "a connection's socket handle takes \(handle) usable bytes")
            c.close()
        }
        listener.close()
        #expect(runLoop(loop) { client!.isClosing && accepted[0].isClosing })
    }
}

/// glibc's malloc_usable_size (malloc.h is not part of the Glibc module): the bytes usable
/// in the chunk malloc gave an object, which is what it really costs.
@_silgen_name("malloc_usable_size")
private func mallocUsableSize(_ pointer: UnsafeMutableRawPointer) -> Int
