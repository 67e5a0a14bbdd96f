import Testing
import WireJSON
import WireProtocol

@testable import RoomCore

@Suite struct RoomDataTests {
    @Test func senderNeverReceivesItsOwnMessage() throws {
        let h = RoomHarness()
        let (alice, aliceEP) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        let (_, carolEP) = h.join("carol")
        for e in [aliceEP, bobEP, carolEP] { e.clear() }

        let actions = try h.publish("chat", #"{"text":"hi"}"#, from: alice).get()
        #expect(actions.count == 1)
        guard case .broadcast(_, let to, let lossy)? = actions.first else {
            Issue.record("expected one broadcast, got \(actions)")
            return
        }
        #expect(to.sender === alice)
        #expect(lossy == false)
        #expect(to.participants.map(\.identity).sorted() == ["alice", "bob", "carol"], "cached list handed out, not copied")
        #expect(to.map(\.identity).sorted() == ["bob", "carol"], "the sender is not a recipient")
        #expect(aliceEP.frames.isEmpty)
        #expect(bobEP.dataSeqs == [1])
        #expect(carolEP.dataSeqs == [1])
        #expect(h.room.topicStats["chat"] == Room.TopicCounters(messages: 1, bytes: 13, deliveries: 2))
    }

    @Test func envelopeCarriesTopicSenderSeqReliabilityTimeAndVerbatimPayload() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        h.advance(1.5)
        let payload = #"{ "a" : [1, 2.50, "\u00e9", null] ,"b":{}}"#
        _ = try h.publish("chat", payload, from: alice).get()

        let frame = try #require(bobEP.frames.last)
        #expect(frame.frame.opcode == 0x1)
        #expect(frame.lossy == false)
        let text = String(decoding: frame.frame.payload, as: UTF8.self)
        #expect(text.contains("\"payload\":" + payload), "payload must be forwarded byte for byte: \(text)")
        let msg = try #require(frame.frame.json)
        #expect(msg["type"] == "data")
        #expect(msg["topic"] == "chat")
        #expect(msg["from"] == "alice")
        #expect(msg["seq"] == 1)
        #expect(msg["reliable"] == true)
        #expect(msg["ts"]?.int64Value == origin.wallMilliseconds + 1500)
    }

    @Test func serverOriginatedMessageHasNullFromAndReachesEveryone() throws {
        let h = RoomHarness()
        let (_, aliceEP) = h.join("alice")
        let (_, bobEP) = h.join("bob", permissions: .init(canPublishData: false))
        _ = try h.publish("now-playing", #""track""#, from: nil).get()
        for e in [aliceEP, bobEP] {
            let msg = try #require(e.dataMessages.first)
            #expect(msg["from"]?.isNull == true)
            #expect(msg["payload"] == "track")
        }
    }

    @Test func destinationsRestrictRecipients() throws {
        let h = RoomHarness()
        let (alice, aliceEP) = h.join("alice")
        let (bob, bobEP) = h.join("bob")
        let (_, carolEP) = h.join("carol")
        let (_, daveEP) = h.join("dave")
        try h.room.subscribe(bob, topics: ["other"])
        for e in [aliceEP, bobEP, carolEP, daveEP] { e.clear() }

        _ = try h.publish("chat", from: alice, destinations: ["carol", "bob", "nobody", "alice"]).get()
        #expect(carolEP.dataSeqs == [1])
        #expect(bobEP.frames.isEmpty, "a destination that does not hear the topic is skipped")
        #expect(daveEP.frames.isEmpty)
        #expect(aliceEP.frames.isEmpty, "not even when it names itself")

        // Destinations naming only the sender or unknown identities deliver nothing but still take a seq.
        let actions = try h.publish("chat", from: alice, destinations: ["nobody"]).get()
        #expect(actions.isEmpty)
        #expect(h.room.seq == 2)
        _ = try h.publish("chat", from: alice, destinations: []).get()
        #expect(carolEP.dataSeqs == [1])
    }

    @Test func tooManyDestinationsIsABadMessage() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let limits = DataLimits(maxDestinations: 2)
        _ = try h.publish("chat", from: alice, destinations: ["a", "b", "a"], limits: limits).get()
        let error = h.publish("chat", from: alice, destinations: ["a", "b", "c"], limits: limits).failureValue
        #expect(error?.wireCode == "bad_message")
        #expect(h.room.seq == 1)
    }

    @Test func subscriptionsDecideWhoHearsATopic() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (bob, bobEP) = h.join("bob")
        bobEP.clear()
        func heard(_ topic: String) throws -> Bool {
            let before = bobEP.frames.count
            _ = try h.publish(topic, from: alice).get()
            return bobEP.frames.count > before
        }
        #expect(try heard("anything"), "everything until the first subscribe")
        try h.room.subscribe(bob, topics: ["chat"])
        #expect(try heard("chat"))
        #expect(try !heard("cursor"))
        try h.room.subscribe(bob, topics: ["agent.*"])
        #expect(try heard("chat"), "subscriptions accumulate")
        #expect(try heard("agent.taste"))
        #expect(try heard("agent.recs"))
        #expect(try !heard("agents"))
        try h.room.unsubscribe(bob, topics: ["chat"])
        #expect(try !heard("chat"))
        #expect(try heard("agent.taste"))
        try h.room.subscribe(bob, topics: ["*"])
        #expect(try heard("cursor"))
        try h.room.unsubscribe(bob, topics: ["*"])
        #expect(try !heard("chat"))
        #expect(try !heard("agent.taste"))
    }

    @Test func unsubscribeBeforeSubscribeRemovesFromEverything() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (bob, bobEP) = h.join("bob")
        bobEP.clear()
        try h.room.unsubscribe(bob, topics: ["cursor"])
        _ = try h.publish("cursor", from: alice).get()
        _ = try h.publish("chat", from: alice).get()
        #expect(bobEP.dataMessages.compactMap { $0["topic"]?.stringValue } == ["chat"])
    }

    @Test func participantWithoutCanSubscribeHearsNoData() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (bob, bobEP) = h.join("bob", permissions: .init(canSubscribe: false))
        try h.room.subscribe(bob, topics: ["*"])
        bobEP.clear()
        _ = try h.publish("chat", from: alice).get()
        _ = try h.publish("chat", from: alice, destinations: ["bob"]).get()
        _ = try h.publish("chat", from: nil).get()
        #expect(bobEP.frames.isEmpty)
        // It still publishes.
        let (_, carolEP) = h.join("carol")
        _ = try h.publish("chat", from: bob).get()
        #expect(carolEP.dataMessages.last?["from"] == "bob")
    }

    @Test func withoutCanPublishDataNothingIsDelivered() throws {
        let h = RoomHarness()
        let (mute, _) = h.join("mute", permissions: .init(canPublishData: false))
        let (_, bobEP) = h.join("bob")
        bobEP.clear()
        let result = h.publish("chat", from: mute)
        #expect(result.failureValue?.wireCode == "forbidden")
        #expect(result.failureValue == ProtocolError.forbidden("token does not grant canPublishData"))
        let binary = h.publishBinary("audio", [1], from: mute)
        #expect(binary.failureValue?.wireCode == "forbidden")
        #expect(bobEP.frames.isEmpty)
        #expect(h.room.seq == 0)
        #expect(h.room.topicStats.isEmpty)
        #expect(h.room.replay.isEmpty)
    }

    @Test func topicPublishersPolicyIsEnforced() throws {
        let config = RoomConfiguration(
            topics: [
                "now-playing": TopicPolicy(publishers: .only(host: true, agents: true, identities: [])),
                "taste": TopicPolicy(publishers: .only(host: false, agents: true, identities: [])),
                "dj": TopicPolicy(publishers: .only(host: false, agents: false, identities: ["dj1"])),
            ],
            hostIdentity: "host"
        )
        let h = RoomHarness(configuration: config)
        let (host, _) = h.join("host")
        let (guest, _) = h.join("guest")
        let (dj, _) = h.join("dj1")
        let (agent, _) = h.join("taster", kind: .agent)
        let (_, listenerEP) = h.join("listener")

        let cases: [(Participant, String, Bool)] = [
            (host, "now-playing", true), (agent, "now-playing", true), (guest, "now-playing", false), (dj, "now-playing", false),
            (host, "taste", false), (agent, "taste", true), (guest, "taste", false),
            (dj, "dj", true), (host, "dj", false), (agent, "dj", false), (guest, "dj", false),
            (guest, "chat", true),
        ]
        for (sender, topic, allowed) in cases {
            let before = listenerEP.frames.count
            let result = h.publish(topic, from: sender)
            if allowed {
                #expect(result.failureValue == nil, "\(sender.identity) → \(topic)")
                #expect(listenerEP.frames.count == before + 1, "\(sender.identity) → \(topic)")
            } else {
                #expect(result.failureValue?.wireCode == "forbidden", "\(sender.identity) → \(topic)")
                #expect(listenerEP.frames.count == before, "\(sender.identity) → \(topic)")
            }
        }
        #expect(h.room.seq == 5, "five allowed publishes; refused ones take no seq")
        // The server itself is not bound by publishers policies.
        #expect(h.publish("taste", from: nil).failureValue == nil)
    }

    @Test func hostPolicyWithoutAHostAllowsNoOne() {
        #expect(!TopicPolicy(publishers: .only(host: true, agents: false, identities: [])).allows(identity: "host", isAgent: false, hostIdentity: nil))
        #expect(TopicPolicy(publishers: .only(host: true, agents: false, identities: [])).allows(identity: "host", isAgent: false, hostIdentity: "host"))
        #expect(!TopicPolicy(publishers: .only(host: false, agents: false, identities: [])).allows(identity: "x", isAgent: true, hostIdentity: "x"))
        #expect(TopicPolicy().allows(identity: "anyone", isAgent: false, hostIdentity: nil))
    }

    @Test func payloadSizeLimitIsInclusive() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        bobEP.clear()
        let limits = DataLimits(maxPayloadBytes: 10)
        #expect(h.publish("chat", #""12345678""#, from: alice, limits: limits).failureValue == nil)  // 10 bytes
        let tooLarge = h.publish("chat", #""123456789""#, from: alice, limits: limits).failureValue  // 11 bytes
        #expect(tooLarge?.wireCode == "payload_too_large")
        #expect(tooLarge == ProtocolError.payloadTooLarge(10))
        #expect(h.publishBinary("audio", [UInt8](repeating: 7, count: 11), from: alice, limits: limits).failureValue?.wireCode == "payload_too_large")
        #expect(h.publish("chat", #""123456789""#, from: nil, limits: limits).failureValue?.wireCode == "payload_too_large")
        #expect(bobEP.dataSeqs == [1])
        #expect(h.room.seq == 1)
    }

    @Test func topicMustBeOneTo255Bytes() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        #expect(h.publish("", from: alice).failureValue?.wireCode == "bad_message")
        #expect(h.publish(String(repeating: "t", count: 256), from: alice).failureValue?.wireCode == "bad_message")
        #expect(h.publish(String(repeating: "é", count: 128), from: alice).failureValue?.wireCode == "bad_message", "256 UTF-8 bytes")
        #expect(h.publish(String(repeating: "t", count: 255), from: alice).failureValue == nil)
        #expect(h.room.seq == 1)
    }

    @Test func seqIsStrictlyIncreasingAcrossTopicsKindsAndReliability() throws {
        let h = RoomHarness(configuration: RoomConfiguration(topics: ["cursor": TopicPolicy(reliable: false)]))
        let (alice, _) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        _ = try h.publish("chat", from: alice).get()
        _ = try h.publish("cursor", from: alice).get()
        _ = try h.publishBinary("audio", [9], from: alice).get()
        _ = h.publish("", from: alice)
        _ = try h.publish("news", from: nil).get()
        _ = try h.publish("chat", from: alice, reliable: false).get()
        #expect(bobEP.dataSeqs == [1, 2, 4, 5])
        #expect(h.room.seq == 5)
        let binary = try #require(bobEP.frames.first { $0.frame.opcode == 0x2 })
        #expect(Array(binary.frame.payload[12..<20]) == [0, 0, 0, 0, 0, 0, 0, 3])
    }

    @Test func reliabilityDefaultsToTheTopicPolicyAndCanBeOverridden() throws {
        let config = RoomConfiguration(defaultTopic: TopicPolicy(reliable: false), topics: ["chat": TopicPolicy(reliable: true)])
        let h = RoomHarness(configuration: config)
        let (alice, _) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        bobEP.clear()
        let cases: [(String, Bool?, Bool)] = [("chat", nil, true), ("misc", nil, false), ("chat", false, false), ("misc", true, true)]
        for (i, (topic, override, reliable)) in cases.enumerated() {
            let actions = try h.publish(topic, from: alice, reliable: override).get()
            guard case .broadcast(_, _, let lossy)? = actions.first else {
                Issue.record("no broadcast for \(topic)")
                continue
            }
            #expect(lossy == !reliable, "\(topic) \(String(describing: override))")
            #expect(bobEP.frames[i].lossy == !reliable)
            #expect(bobEP.frames[i].frame.json?["reliable"]?.boolValue == reliable)
        }
        // Only reliable messages are kept for replay.
        #expect(h.room.replay["chat"]?.entries(after: 0).map(\.seq) == [1])
        #expect(h.room.replay["misc"]?.entries(after: 0).map(\.seq) == [4])
    }

    @Test func publishingWithNobodyElseListeningDeliversNothing() throws {
        let h = RoomHarness()
        let (alice, aliceEP) = h.join("alice")
        aliceEP.clear()
        _ = try h.publish("chat", from: alice).get()
        #expect(aliceEP.frames.isEmpty)
        let (bob, bobEP) = h.join("bob")
        try h.room.subscribe(bob, topics: ["other"])
        h.drop(alice)
        bobEP.clear()
        #expect(try h.publish("chat", from: nil).get().isEmpty, "suspended alice and unsubscribed bob hear nothing")
        #expect(h.room.seq == 2)
        #expect(h.room.topicStats["chat"]?.deliveries == 0)
    }

    @Test func changedPermissionsTakeEffectAtOnce() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (bob, bobEP) = h.join("bob")
        _ = try h.publish("chat", from: alice).get()  // fills the subscriber cache
        h.apply(h.room.setPermissions(bob, .init(canPublishData: false, canSubscribe: false), now: h.now))
        bobEP.clear()
        _ = try h.publish("chat", from: alice).get()
        #expect(bobEP.frames.isEmpty, "revoked canSubscribe must not be served from a stale subscriber cache")
        #expect(h.publish("chat", from: bob).failureValue?.wireCode == "forbidden")
        h.apply(h.room.setPermissions(bob, .init(), now: h.now))
        _ = try h.publish("chat", from: alice).get()
        #expect(bobEP.dataSeqs == [3])
    }

    @Test func hidingAndUnhidingLooksLikeLeavingAndArrivingToTheOthers() throws {
        let h = RoomHarness()
        let (_, aliceEP) = h.join("alice")
        let (bob, bobEP) = h.join("bob")
        aliceEP.clear()
        bobEP.clear()
        h.apply(h.room.setPermissions(bob, .init(hidden: true), now: h.now))
        #expect(aliceEP.types == ["participant_left"])
        #expect(aliceEP.messages.first?["reason"] == "hidden")
        #expect(bobEP.frames.isEmpty)
        aliceEP.clear()
        h.apply(h.room.setPermissions(bob, .init(hidden: false), now: h.now))
        #expect(aliceEP.types == ["participant_joined"])
        h.apply(h.room.setPermissions(bob, .init(hidden: false, roomAdmin: true), now: h.now))
        #expect(aliceEP.types == ["participant_joined"], "no presence when visibility does not change")
    }

    @Test func participantInfoLimitsRefuseOversizedUpdatesAndChangeNothing() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice", permissions: .init(canUpdateOwnMetadata: true))
        var limits = ParticipantInfoLimits()
        limits.maxNameBytes = 5
        limits.maxMetadataBytes = 10
        limits.maxAttributesBytes = 8
        #expect(throws: ProtocolError.self) { try h.room.applyUpdate(alice, name: "toolong", metadata: nil, attributes: nil, limits: limits) }
        #expect(throws: ProtocolError.self) { try h.room.applyUpdate(alice, name: nil, metadata: String(repeating: "m", count: 11), attributes: nil, limits: limits) }
        _ = try h.room.applyUpdate(alice, name: "ok", metadata: nil, attributes: ["ab": "cd"], limits: limits)
        // The merged size counts: adding "ef":"gh" would make 8 → refused, and nothing changes.
        #expect(throws: ProtocolError.self) { try h.room.applyUpdate(alice, name: "new", metadata: nil, attributes: ["ef": "ghi"], limits: limits) }
        #expect(alice.info.name == "ok" && alice.info.attributes == ["ab": "cd"])
    }
}
