import ByteStorage
import Testing
import WireJSON
import WireProtocol

@testable import RoomCore

@Suite struct RoomBinaryTests {
    /// Reads a big-endian integer of `count` bytes at `offset`.
    func bigEndian(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
        bytes[offset..<(offset + count)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    @Test func binaryEnvelopeLayout() throws {
        let h = RoomHarness()
        let (alice, aliceEP) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        _ = try h.publish("chat", from: alice).get()
        aliceEP.clear()
        bobEP.clear()
        h.advance(2)

        _ = try h.publishBinary("audio", [0, 1, 2, 255], from: alice).get()
        #expect(aliceEP.frames.isEmpty, "the sender never gets its own binary frame")
        let delivered = try #require(bobEP.frames.first)
        #expect(delivered.frame.opcode == 0x2, "binary opcode")
        #expect(delivered.lossy == false, "default topic is reliable")
        let b = delivered.frame.payload
        #expect(b.count == 1 + 5 + 1 + 5 + 8 + 8 + 4)
        #expect(b[0] == 5)
        #expect(Array(b[1..<6]) == Array("audio".utf8))
        #expect(b[6] == 5)
        #expect(Array(b[7..<12]) == Array("alice".utf8))
        #expect(bigEndian(b, 12, 8) == 2, "seq, big-endian")
        #expect(Int64(bitPattern: bigEndian(b, 20, 8)) == origin.wallMilliseconds + 2000, "ts in ms, big-endian")
        #expect(Array(b[28...]) == [0, 1, 2, 255])
        #expect(h.room.topicStats["audio"]?.bytes == 4)
    }

    @Test func serverBinaryHasEmptyFromAndMultibyteTopicLengthIsInBytes() throws {
        let h = RoomHarness()
        let (_, bobEP) = h.join("bob")
        _ = try h.publishBinary("é", [42], from: nil).get()
        let b = try #require(bobEP.frames.first { $0.frame.opcode == 0x2 }?.frame.payload)
        #expect(b[0] == 2)
        #expect(Array(b[1..<3]) == Array("é".utf8))
        #expect(b[3] == 0, "from is empty for the server")
        #expect(bigEndian(b, 4, 8) == 1)
        #expect(Array(b[20...]) == [42])
    }

    @Test func lossyTopicBinaryIsLossyAndNotKept() throws {
        let h = RoomHarness(configuration: RoomConfiguration(topics: ["audio": TopicPolicy(reliable: false)]))
        let (alice, _) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        let actions = try h.publishBinary("audio", [1, 2], from: alice).get()
        guard case .broadcast(_, _, let lossy)? = actions.first else {
            Issue.record("expected a broadcast")
            return
        }
        #expect(lossy)
        #expect(bobEP.frames.last?.lossy == true)
        #expect(h.room.replay["audio"] == nil)
    }

    @Test(arguments: [0, 125, 126, 65535, 65536, 70_000])
    func largeFramesUseTheRightLengthEncoding(payloadCount: Int) throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        let limits = DataLimits(maxPayloadBytes: 1 << 20)
        let payload = (0..<payloadCount).map { UInt8(truncatingIfNeeded: $0) }
        let actions = try h.publishBinary("t", payload, from: alice, limits: limits).get()
        guard case .broadcast(let frame, _, _)? = actions.first else {
            Issue.record("expected a broadcast")
            return
        }
        let bodyCount = 1 + 1 + 1 + 5 + 16 + payloadCount
        let raw = Array(frame.bytes)
        let code = raw[1] & 0x7F
        #expect(code == (bodyCount < 126 ? UInt8(bodyCount) : bodyCount <= 0xFFFF ? 126 : 127))
        let delivered = try #require(bobEP.frames.last?.frame.payload)
        #expect(delivered.count == bodyCount)
        #expect(Array(delivered.suffix(payloadCount)) == payload)
    }
}

@Suite struct RoomUpdateTests {
    @Test func updateNeedsCanUpdateOwnMetadata() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice", attributes: ["k": "v"])
        let (_, bobEP) = h.join("bob")
        bobEP.clear()
        let request = try updateRequest(#"{"type":"update","name":"Mallory","attributes":{"k":""}}"#)
        #expect(throws: ProtocolError.forbidden("token does not grant canUpdateOwnMetadata")) {
            try h.room.update(alice, request, limits: ParticipantInfoLimits())
        }
        #expect(alice.info.name == "Alice")
        #expect(alice.info.attributes == ["k": "v"])
        #expect(bobEP.frames.isEmpty)
    }

    @Test func attributesMergeAndEmptyStringDeletes() throws {
        let h = RoomHarness()
        let (alice, aliceEP) = h.join("alice", permissions: .init(canUpdateOwnMetadata: true), attributes: ["a": "1", "b": "2"])
        let (_, bobEP) = h.join("bob")
        let (_, ghostEP) = h.join("ghost", permissions: .init(hidden: true))
        let (carol, carolEP) = h.join("carol")
        h.drop(carol)
        for e in [aliceEP, bobEP, ghostEP, carolEP] { e.clear() }

        let request = try updateRequest(#"{"type":"update","name":"Al","metadata":"{\"x\":1}","attributes":{"b":"","c":"3","zz":""}}"#)
        h.apply(try h.room.update(alice, request, limits: ParticipantInfoLimits()))
        #expect(alice.info.name == "Al")
        #expect(alice.info.metadata == #"{"x":1}"#)
        #expect(alice.info.attributes == ["a": "1", "c": "3"])

        for e in [aliceEP, bobEP, ghostEP] {
            #expect(e.types == ["participant_updated"], "\(e.label) (the participant itself included)")
            let p = try #require(e.messages.first?["participant"])
            #expect(p["identity"] == "alice")
            #expect(p["name"] == "Al")
            #expect(p["metadata"] == #"{"x":1}"#)
            #expect(p["attributes"] == ["a": "1", "c": "3"])
        }
        #expect(carolEP.frames.isEmpty, "a suspended participant hears nothing")

        // A later update touching only the name keeps the attributes.
        h.apply(try h.room.update(alice, try updateRequest(#"{"type":"update","name":"Alice"}"#), limits: ParticipantInfoLimits()))
        #expect(alice.info.attributes == ["a": "1", "c": "3"])
        #expect(alice.info.metadata == #"{"x":1}"#)
    }

    @Test func hiddenParticipantsUpdateGoesOnlyToItself() throws {
        let h = RoomHarness()
        let (_, aliceEP) = h.join("alice")
        let (ghost, ghostEP) = h.join("ghost", permissions: .init(canUpdateOwnMetadata: true, hidden: true))
        aliceEP.clear()
        ghostEP.clear()
        h.apply(try h.room.update(ghost, try updateRequest(#"{"type":"update","name":"Boo"}"#), limits: ParticipantInfoLimits()))
        #expect(aliceEP.frames.isEmpty)
        #expect(ghostEP.types == ["participant_updated"])
        #expect(ghostEP.messages.first?["participant"]?["name"] == "Boo")
    }

    @Test func adminUpdateSkipsThePermissionCheck() throws {
        let h = RoomHarness()
        let (alice, _) = h.join("alice")
        let (_, bobEP) = h.join("bob")
        bobEP.clear()
        h.apply(try h.room.applyUpdate(alice, name: nil, metadata: "admin", attributes: ["role": "dj"], limits: ParticipantInfoLimits()))
        #expect(alice.info.metadata == "admin")
        #expect(alice.info.name == "Alice")
        #expect(bobEP.messages(ofType: "participant_updated").first?["participant"]?["attributes"] == ["role": "dj"])
    }

    @Test func updateMetadataSendsRoomUpdatedToEveryActiveParticipant() throws {
        let h = RoomHarness(configuration: RoomConfiguration(title: "Lab", metadata: "old"))
        let (_, aliceEP) = h.join("alice")
        let (_, ghostEP) = h.join("ghost", permissions: .init(hidden: true))
        let (bob, bobEP) = h.join("bob")
        h.drop(bob)
        for e in [aliceEP, ghostEP, bobEP] { e.clear() }

        h.apply(h.room.updateMetadata("new"))
        #expect(h.room.metadata == "new")
        #expect(h.room.configuration.metadata == "old")
        for e in [aliceEP, ghostEP] {
            #expect(e.types == ["room_updated"])
            let room = try #require(e.messages.first?["room"])
            #expect(room["metadata"] == "new")
            #expect(room["title"] == "Lab")
            #expect(room["sid"] == "RM_test")
        }
        #expect(bobEP.frames.isEmpty)
        // Newcomers see the new metadata in `joined`.
        let (_, carolEP) = h.join("carol")
        #expect(carolEP.messages.first?["room"]?["metadata"] == "new")
    }
}
