import Testing
@testable import WaveDefectServer

/// `ConnectionRegistry`: swap-removal keeps each connection's deadline and client address
/// with it, and with per-address limits off (no address given) it keeps no address list.
@Suite struct ConnectionRegistryTests {
    final class Entry: ServerConnection {
        let name: String
        init(_ name: String) { self.name = name }
        override func sweep(now: UInt64) -> UInt64 { .max }
        override func shutdown() {}
        override func forceClose() {}
    }

    @Test func addressesFollowTheirConnectionsThroughSwapRemoval() {
        var r = ConnectionRegistry()
        let a = Entry("a"), b = Entry("b"), c = Entry("c"), d = Entry("d")
        r.add(a)  // before any address: no list yet
        r.add(b, address: "10.0.0.2")
        r.add(c, address: "10.0.0.3")
        r.add(d)
        #expect(r.address(of: a) == nil)
        #expect(r.address(of: b) == "10.0.0.2")
        #expect(r.address(of: d) == nil)
        // Removing b moves d into its place; c and d keep theirs.
        #expect(r.remove(b) == "10.0.0.2")
        #expect(r.address(of: b) == nil)
        #expect(r.address(of: c) == "10.0.0.3")
        #expect(r.address(of: d) == nil)
        #expect(r.remove(a) == nil)
        #expect(r.address(of: c) == "10.0.0.3")
        // Replacing (HTTP → WebSocket) keeps the socket's address.
        let c2 = Entry("c2")
        r.replace(c, with: c2)
        #expect(r.address(of: c2) == "10.0.0.3")
        #expect(r.remove(c2) == "10.0.0.3")
        #expect(r.remove(d) == nil)
        #expect(r.count == 0)
    }

    @Test func withoutAddressesNothingIsRecorded() {
        var r = ConnectionRegistry()
        let entries = (0..<3000).map { Entry("\($0)") }
        for e in entries { r.add(e) }
        for e in entries.prefix(2990) { #expect(r.remove(e) == nil) }
        #expect(r.count == 10)
        #expect(entries.suffix(10).allSatisfy { r.address(of: $0) == nil })
        // Deadlines still follow their connections after the compaction that removal caused.
        r.setDeadline(entries[2995], 5)
        #expect(r.due(at: 4).count == 9)
        #expect(r.due(at: 5).count == 10)
    }
}
