import Testing
import WireProtocol
@testable import RoomCore

/// Every joined connection holds a Participant: it must stay within a 144-byte malloc chunk
/// (136 usable bytes; it was 168 requested, a 176-byte chunk, before name, metadata and
/// attributes moved to a box made only when one is set).
@Suite struct ParticipantFootprintTests {
    @Test func participantFitsA144ByteChunk() {
        let info = ParticipantInfo(sid: "PA_123456789012", identity: "bench-1", name: "", metadata: "", attributes: [:], kind: .standard, joinedAtMilliseconds: 0)
        let p = Participant(info: info, permissions: .init(), resumeToken: "RT_12345678901")
        let usable = withExtendedLifetime(p) { mallocUsableSize(Unmanaged.passUnretained(p).toOpaque()) }
        #expect(usable <= 136, "a Participant takes \(usable) usable bytes")
    }
}

/// glibc's malloc_usable_size (malloc.h is not part of the Glibc module): the bytes usable
/// in the chunk malloc gave an object, which is what it really costs.
@_silgen_name("malloc_usable_size")
private func mallocUsableSize(_ pointer: UnsafeMutableRawPointer) -> Int
