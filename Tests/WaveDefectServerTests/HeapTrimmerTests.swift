import Testing
@testable import WaveDefectServer

/// When the server gives freed heap back (`HeapTrimmer`), sweep by sweep: after a crowd
/// arrived or left and the counts settled, and after rooms closed (their replay buffers are
/// freed then, a departure timeout after the crowd), never more often than the interval.
@Suite struct HeapTrimmerTests {
    let second: UInt64 = 1_000_000_000

    /// Sweeps once a second from `start`; returns the seconds (from `start`) that trimmed.
    /// `counts`: (connections, rooms) at each sweep.
    func trims(_ trimmer: inout HeapTrimmer, _ counts: [(Int, Int)], start: UInt64 = 100) -> [Int] {
        var out: [Int] = []
        for (i, c) in counts.enumerated() where trimmer.shouldTrim(now: (start + UInt64(i)) * second, connections: c.0, rooms: c.1) {
            out.append(i)
        }
        return out
    }

    @Test func aCrowdLeavingTrimsOnceTheCountSettled() {
        var t = HeapTrimmer()
        // 0 → 10,000 (trim once settled), then the crowd leaves over two sweeps (trim once settled).
        let counts: [(Int, Int)] = [(0, 0), (10_000, 100), (10_000, 100), (10_000, 100), (5_000, 100), (0, 100), (0, 100), (0, 100)]
        #expect(trims(&t, counts) == [2, 6])
    }

    @Test func roomsClosingLaterTrimAgain() {
        var t = HeapTrimmer()
        // A crowd in 100 rooms (trimmed at 1) leaves (trimmed at 4); its rooms close about
        // 20 s later, over two sweeps: one more trim once the room count settled.
        var counts: [(Int, Int)] = [(10_000, 100), (10_000, 100), (10_000, 100), (0, 100), (0, 100)]
        counts += Array(repeating: (0, 100), count: 18)
        counts += [(0, 40), (0, 0), (0, 0), (0, 0)]
        #expect(trims(&t, counts) == [1, 4, 25])
    }

    @Test func smallChangesAndSteadyStateNeverTrim() {
        var t = HeapTrimmer()
        // 50 connections come and go around 10,000 (under 100 and under 10 %), each count
        // settling for a sweep; rooms only open.
        var counts: [(Int, Int)] = []
        for i in 0..<30 { counts.append((10_000 + ((i / 2) % 2) * 50, 100 + i / 2)) }
        var warm = HeapTrimmer()
        _ = warm.shouldTrim(now: 0, connections: 10_000, rooms: 100)
        _ = warm.shouldTrim(now: second, connections: 10_000, rooms: 100)
        _ = warm.shouldTrim(now: 3 * second, connections: 10_000, rooms: 100)  // the trim of the arrival
        t = warm
        #expect(trims(&t, counts) == [])
    }

    @Test func notMoreOftenThanTheInterval() {
        var t = HeapTrimmer()
        t.minimumInterval = 5 * second
        // 1,000 connections come and go every other sweep, each count settling for a sweep:
        // a trim at most every 5 s (at 3, then not at 5 or 7, then at 9).
        var counts: [(Int, Int)] = []
        for i in 0..<12 { counts.append(((i / 2) % 2 == 0 ? 0 : 1_000, 0)) }
        #expect(trims(&t, counts) == [3, 9])
    }
}
