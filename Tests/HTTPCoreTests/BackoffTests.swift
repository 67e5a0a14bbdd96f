import HTTPCore
import NumericCore
import Testing

struct BackoffTests {
    let backoff = Backoff(base: 1, max: 60)

    @Test func theCeilingDoublesPerFailureInARowUpToTheCap() {
        #expect((0...8).map { backoff.ceiling(failures: $0) } == [0, 1, 2, 4, 8, 16, 32, 60, 60])
        #expect(backoff.ceiling(failures: 10_000) == 60, "a long outage neither overflows nor passes the cap")
        #expect(Backoff(base: 2, max: 5).ceiling(failures: 3) == 5)
        #expect(Backoff(base: 0, max: 60).ceiling(failures: 3) == 0)
        #expect(Backoff(base: 30, max: 0).ceiling(failures: 1) == 0, "a zero cap waits nothing")
        #expect(Backoff(base: 30, max: 3600).ceiling(failures: 8) == 3600)
    }

    @Test func equalJitterKeepsTheDelayInTheUpperHalf() {
        #expect(backoff.delay(failures: 1, unit: 0) == 0.5)
        #expect(backoff.delay(failures: 1, unit: 1) == 1)
        #expect(backoff.delay(failures: 3, unit: 0.5) == 3)
        #expect(backoff.delay(failures: 7, unit: 0.25) == 37.5)
        #expect(backoff.delay(failures: 2, unit: -3) == 1, "clamped to [0, 1]")
        #expect(backoff.delay(failures: 2, unit: 7) == 2)
        #expect(backoff.delay(failures: 2, unit: .nan) == 1)
        #expect(backoff.delay(failures: 0, unit: 1) == 0)
    }

    @Test func aSeededGeneratorGivesTheSameDelaysEveryRunAndTheyAreSpread() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        let first = (0..<200).map { _ in backoff.delay(failures: 4, using: &a) }
        let second = (0..<200).map { _ in backoff.delay(failures: 4, using: &b) }
        #expect(first == second)
        #expect(first.allSatisfy { $0 >= 4 && $0 <= 8 })
        // Spread over the window, not bunched: both quarters of it are used.
        #expect(first.contains { $0 < 5 } && first.contains { $0 > 7 })
        #expect(Set(first).count > 190)
        var system = SystemRandomNumberGenerator()
        #expect((0..<50).allSatisfy { _ in (8...16).contains(backoff.delay(failures: 5, using: &system)) })
    }

    @Test func splitMix64MatchesTheReferenceSequence() {
        // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        var g = SplitMix64(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(g.next() == 0x06C4_5D18_8009_454F)
    }
}
