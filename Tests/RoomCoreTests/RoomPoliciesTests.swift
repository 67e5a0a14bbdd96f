import ByteStorage
import Testing

@testable import RoomCore

@Suite struct BackpressurePolicyTests {
    let policy = BackpressurePolicy(lossyDropBytes: 100, maxBufferedBytes: 1000)

    @Test func lossyFramesAreDroppedAboveTheLossyThreshold() {
        #expect(policy.decide(buffered: 0, frameSize: 10, lossy: true) == .write)
        #expect(policy.decide(buffered: 100, frameSize: 10, lossy: true) == .write)
        #expect(policy.decide(buffered: 101, frameSize: 10, lossy: true) == .drop)
        #expect(policy.decide(buffered: 5000, frameSize: 1, lossy: true) == .drop, "a lossy frame never disconnects")
    }

    @Test func lossyFramesMayNotExceedTheBacklogLimitEither() {
        let wide = BackpressurePolicy(lossyDropBytes: 10_000, maxBufferedBytes: 500)
        #expect(wide.decide(buffered: 400, frameSize: 100, lossy: true) == .write)
        #expect(wide.decide(buffered: 400, frameSize: 101, lossy: true) == .drop)
        #expect(policy.decide(buffered: 0, frameSize: 1001, lossy: true) == .drop)
    }

    @Test func reliableFramesDisconnectOnlyBeyondTheBacklogLimit() {
        #expect(policy.decide(buffered: 500, frameSize: 1, lossy: false) == .write, "the lossy threshold does not apply")
        #expect(policy.decide(buffered: 990, frameSize: 10, lossy: false) == .write)
        #expect(policy.decide(buffered: 990, frameSize: 11, lossy: false) == .disconnect)
        #expect(policy.decide(buffered: 0, frameSize: 1000, lossy: false) == .write)
        #expect(policy.decide(buffered: 0, frameSize: 1001, lossy: false) == .disconnect)
    }

    @Test func overTheServerWideBudgetEveryAllowanceFallsToTheLossyThreshold() {
        let budgeted = BackpressurePolicy(lossyDropBytes: 100, maxBufferedBytes: 1000, maxQueuedOutputBytes: 5000)
        // Within the budget: the per-subscriber limit alone decides.
        #expect(budgeted.decide(buffered: 900, frameSize: 50, lossy: false, serverQueued: 4950) == .write)
        #expect(!budgeted.isUnderPressure(serverQueued: 4950, frameSize: 50))
        // One byte more and the server is over it: a subscriber that is behind is cut off...
        #expect(budgeted.isUnderPressure(serverQueued: 4951, frameSize: 50))
        #expect(budgeted.decide(buffered: 900, frameSize: 50, lossy: false, serverQueued: 4951) == .disconnect)
        #expect(budgeted.decide(buffered: 51, frameSize: 50, lossy: false, serverQueued: 4951) == .disconnect)
        // ...one that keeps up still gets its frame, lossy or not.
        #expect(budgeted.decide(buffered: 50, frameSize: 50, lossy: false, serverQueued: 4951) == .write)
        #expect(budgeted.decide(buffered: 50, frameSize: 50, lossy: true, serverQueued: 4951) == .write)
        #expect(budgeted.decide(buffered: 60, frameSize: 50, lossy: true, serverQueued: 4951) == .drop)
        // No budget: never under pressure, whatever is queued.
        #expect(!policy.isUnderPressure(serverQueued: 1 << 50, frameSize: 1000))
    }
}

@Suite struct TopicSubscriptionTests {
    @Test func everythingUntilTheFirstSubscribe() {
        var s = TopicSubscription.everything
        #expect(s.includes("chat") && s.includes("agent.taste") && s.includes("x"))
        s.subscribe(["chat"])
        #expect(s.includes("chat"))
        #expect(!s.includes("cursor"))
        #expect(!s.includes("chat2"), "exact names match exactly")
        s.subscribe(["cursor"])
        #expect(s.includes("chat") && s.includes("cursor"))
        s.unsubscribe(["chat", "never-subscribed"])
        #expect(!s.includes("chat"))
        #expect(s.includes("cursor"))
    }

    @Test func prefixPatterns() {
        var s = TopicSubscription.everything
        s.subscribe(["agent.*"])
        #expect(s.includes("agent.taste"))
        #expect(s.includes("agent.recs"))
        #expect(s.includes("agent."))
        #expect(!s.includes("agent"))
        #expect(!s.includes("agents"))
        #expect(!s.includes("my.agent.taste"))
        s.unsubscribe(["agent.*"])
        #expect(!s.includes("agent.taste"))
        var t = TopicSubscription.everything
        t.subscribe(["agent*"])
        #expect(t.includes("agents") && t.includes("agent") && !t.includes("agen"))
    }

    @Test func starSubscribesToEverythingAndUnsubscribesFromEverything() {
        var s = TopicSubscription.everything
        s.subscribe(["chat"])
        s.subscribe(["*"])
        #expect(s.includes("chat") && s.includes("anything"))
        s.unsubscribe(["*"])
        #expect(!s.includes("chat") && !s.includes("anything"))
        s.subscribe(["chat"])
        #expect(s.includes("chat") && !s.includes("cursor"))
    }

    @Test func unsubscribeBeforeSubscribeRemovesFromEverything() {
        var s = TopicSubscription.everything
        s.unsubscribe(["cursor", "agent.*"])
        #expect(!s.includes("cursor"))
        #expect(!s.includes("agent.taste"))
        #expect(s.includes("chat"))
        // The first subscribe switches to "only what was subscribed" (docs/protocol.md).
        s.subscribe(["cursor"])
        #expect(s.includes("cursor"))
        #expect(!s.includes("chat"))
        #expect(!s.includes("agent.taste"))
    }

    @Test func unsubscribingATopicCoveredByAPrefixStopsHearingIt() {
        var s = TopicSubscription.everything
        s.subscribe(["agent.*"])
        s.unsubscribe(["agent.taste"])
        #expect(!s.includes("agent.taste"))
        #expect(s.includes("agent.recs"))
        s.subscribe(["agent.taste"])
        #expect(s.includes("agent.taste"))
    }

    @Test func subscribingATopicExcludedByAPrefixHearsIt() {
        var s = TopicSubscription.everything
        s.subscribe(["*"])
        s.unsubscribe(["agent.*"])
        s.subscribe(["agent.taste"])
        #expect(s.includes("agent.taste"))
        #expect(!s.includes("agent.recs"))
        #expect(s.includes("chat"))
    }

    @Test func repeatedPatternsDoNotGrowTheRules() {
        var s = TopicSubscription.everything
        for _ in 0..<100 {
            s.subscribe(["a"])
            s.unsubscribe(["a"])
        }
        #expect(s.ruleCount == 1)
        #expect(!s.includes("a"))
    }

    @Test func theRuleLimitRefusesAndKeepsTheOldState() {
        var s = TopicSubscription.everything
        let accepted = s.subscribe((0..<TopicSubscription.maxRules).map { "t\($0)" })
        #expect(accepted)
        let before = s
        let refused = !s.subscribe(["one-too-many"])
        #expect(refused)
        #expect(s == before)
    }
}

@Suite struct ReplayBufferTests {
    func entry(_ seq: UInt64, from sid: String = "PA_x", to destinations: Set<String>? = nil) -> ReplayBuffer.Entry {
        ReplayBuffer.Entry(seq: seq, frame: SharedBytes([UInt8(truncatingIfNeeded: seq)]), senderSID: sid, destinations: destinations)
    }

    @Test func keepsEverythingUntilFull() {
        var b = ReplayBuffer(capacity: 3)
        #expect(b.entries(after: 0).isEmpty)
        b.append(entry(1))
        b.append(entry(2))
        #expect(b.entries(after: 0).map(\.seq) == [1, 2])
        #expect(b.evictedThrough == 0)
        #expect(!b.hasGap(after: 0))
    }

    @Test func ringEvictsTheOldestAndKeepsOrder() {
        var b = ReplayBuffer(capacity: 3)
        for s in 1...5 { b.append(entry(UInt64(s))) }
        #expect(b.entries(after: 0).map(\.seq) == [3, 4, 5])
        #expect(b.entries(after: 3).map(\.seq) == [4, 5])
        #expect(b.entries(after: 5).isEmpty)
        #expect(b.evictedThrough == 2)
        #expect(b.hasGap(after: 0) && b.hasGap(after: 1))
        #expect(!b.hasGap(after: 2))
        for s in 6...10 { b.append(entry(UInt64(s))) }
        #expect(b.entries(after: 0).map(\.seq) == [8, 9, 10])
        #expect(b.entries(after: 0).map { Array($0.frame.bytes) } == [[8], [9], [10]])
        #expect(b.evictedThrough == 7)
    }

    @Test func sparseSeqsFromOtherTopics() {
        var b = ReplayBuffer(capacity: 2)
        for s: UInt64 in [2, 5, 9, 11] { b.append(entry(s)) }
        #expect(b.entries(after: 0).map(\.seq) == [9, 11])
        #expect(b.entries(after: 9).map(\.seq) == [11])
        #expect(b.hasGap(after: 4))
        #expect(!b.hasGap(after: 5))
        #expect(!b.hasGap(after: 7), "nothing after 7 was evicted")
    }

    @Test func zeroCapacityKeepsNothing() {
        var b = ReplayBuffer(capacity: 0)
        b.append(entry(4))
        b.append(entry(6))
        #expect(b.entries(after: 0).isEmpty)
        #expect(b.evictedThrough == 6)
        #expect(b.hasGap(after: 5))
    }

    @Test func entriesKeepSenderAndDestinations() {
        var b = ReplayBuffer(capacity: 1)
        b.append(entry(1, from: "PA_a", to: ["bob"]))
        let e = b.entries(after: 0)
        #expect(e.first?.senderSID == "PA_a")
        #expect(e.first?.destinations == ["bob"])
    }
}

@Suite struct IDGeneratorTests {
    let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    @Test func prefixLengthAndAlphabet() {
        var ids = IDGenerator(generator: SeededGenerator(seed: 1))
        let a = ids.make(prefix: "RM_")
        #expect(a.hasPrefix("RM_"))
        #expect(a.count == 15)
        #expect(a.dropFirst(3).allSatisfy(alphabet.contains))
        let t = ids.make(prefix: "RT_", length: 32)
        #expect(t.count == 35)
        #expect(ids.make(prefix: "X", length: 0) == "X")
        #expect(ids.make(prefix: "", length: 5).count == 5)
    }

    @Test func deterministicWhenSeeded() {
        var one = IDGenerator(generator: SeededGenerator(seed: 42))
        var two = IDGenerator(generator: SeededGenerator(seed: 42))
        var other = IDGenerator(generator: SeededGenerator(seed: 43))
        let first = (0..<5).map { _ in one.make(prefix: "PA_") }
        #expect(first == (0..<5).map { _ in two.make(prefix: "PA_") })
        #expect(first != (0..<5).map { _ in other.make(prefix: "PA_") })
        #expect(Set(first).count == 5, "successive ids differ")
    }

    @Test func registryIdsAreSeededToo() {
        let a = RoomRegistry(ids: IDGenerator(generator: SeededGenerator(seed: 9)))
        let b = RoomRegistry(ids: IDGenerator(generator: SeededGenerator(seed: 9)))
        #expect(a.create("lab", now: origin).room.sid == b.create("lab", now: origin).room.sid)
        #expect(a.makeParticipantSID() == b.makeParticipantSID())
        #expect(a.makeResumeToken() == b.makeResumeToken())
        #expect(a.makeParticipantSID().hasPrefix("PA_"))
        #expect(a.makeResumeToken().utf8.count == 15)
    }
}

@Suite struct RoomInstantTests {
    @Test func addingMovesBothClocks() {
        let t = origin.adding(seconds: 1.5)
        #expect(t.monotonic == origin.monotonic + 1_500_000_000)
        #expect(t.wallMilliseconds == origin.wallMilliseconds + 1500)
        #expect(origin.adding(seconds: -1).monotonic == origin.monotonic, "monotonic never goes back")
    }

    @Test func hugeAndInvalidTimeoutsSaturateInsteadOfTrapping() {
        #expect(RoomInstant.nanoseconds(1e300) == UInt64(Int64.max))
        #expect(RoomInstant.nanoseconds(.infinity) == UInt64(Int64.max))
        #expect(RoomInstant.nanoseconds(-5) == 0)
        #expect(RoomInstant.nanoseconds(.nan) == 0)
        #expect(origin.deadline(after: 1e300) > origin.monotonic)
        #expect(RoomInstant(monotonic: .max - 1, wallMilliseconds: 0).deadline(after: 10) == .max)
    }

    @Test func aRoomWithAnEnormousEmptyTimeoutNeverClosesAndNeverTraps() {
        let room = Room(name: "r", sid: "RM_x", configuration: RoomConfiguration(emptyTimeout: 1e300, departureTimeout: 1e300), now: origin)
        #expect(room.tick(now: origin.plus(1e9)).shouldClose == false)
    }

    @Test func participantSnapshotReportsState() {
        let h = RoomHarness()
        let (alice, _) = h.join("alice", permissions: .init(canUpdateOwnMetadata: true, hidden: true))
        #expect(alice.snapshot.state == "ACTIVE")
        #expect(alice.snapshot.hidden)
        #expect(alice.snapshot.permissions.canUpdateOwnMetadata)
        h.drop(alice)
        #expect(alice.snapshot.state == "DISCONNECTED")
    }
}
