import ClusterCore
import Testing

@Suite struct RelayCodecTests {
    static let join = RelayJoin(
        conn: 0x0102_0304_0506_0708, room: "lounge", identity: "guest-é", name: "Guest", metadata: #"{"m":1}"#,
        attributes: ["b": "2", "a": "1"], isAgent: false, canPublishData: true, canSubscribe: false, canUpdateOwnMetadata: true,
        hidden: false, roomAdmin: true, roomAgents: [.init(agentName: "dj", metadata: "x")], resumeToken: "RT_abc", lastSeq: 42,
        deadlineMilliseconds: 1_795_000_000_123)

    /// Every kind of message, with the awkward values: binary payloads holding every byte,
    /// empty strings and lists, the largest integers.
    static let everything: [RelayMessage] = [
        .join(join),
        .join(RelayJoin(conn: 0, room: "", identity: "", isAgent: true, canPublishData: false, hidden: true)),
        .join(RelayJoin(conn: 1, room: "r", identity: "i", lastSeq: .max, deadlineMilliseconds: -1)),
        .join(RelayJoin(conn: 2, room: "r", identity: "i", deadlineMilliseconds: .min)),
        .accepted(conn: .max),
        .refused(conn: 7, status: 403, reason: "room full: 2 participants (max_participants)"),
        .client(conn: 7, binary: false, payload: Array(#"{"type":"publish","topic":"chat"}"#.utf8)),
        .client(conn: 8, binary: true, payload: (0...255).map(UInt8.init)),
        .client(conn: 9, binary: true, payload: []),
        .left(conn: 7, how: .clean),
        .left(conn: 8, how: .dropped),
        .left(conn: 9, how: .slowConsumer),
        .deliver(frame: [0x81, 0x02, 0x7B, 0x7D], lossy: false, broadcast: true, conns: [1, 2, .max]),
        .deliver(frame: (0...255).map(UInt8.init) + [0, 13, 10], lossy: true, broadcast: false, conns: []),
        .close(conn: 3, code: 4003, reason: "slow consumer: too many unsent bytes"),
        .socketStats(conn: 4, rttMicroseconds: 1234, droppedLossy: 0),
        .socketStats(conn: .max, rttMicroseconds: nil, droppedLossy: .max),
    ]

    @Test func everyMessageRoundTripsInOrder() throws {
        let envelope = RelayEnvelope(from: "node-a", messages: Self.everything)
        let bytes = RelayCodec.encode(envelope)
        #expect(try RelayCodec.decode(bytes) == envelope)
        for m in Self.everything {
            #expect(try RelayCodec.decode(RelayCodec.encode(RelayEnvelope(from: "n", messages: [m]))).messages == [m])
        }
    }

    @Test func theLayoutIsTheDocumentedOne() {
        let bytes = RelayCodec.encode(RelayEnvelope(from: "ab", messages: [
            .accepted(conn: 5),
            .deliver(frame: [0x81, 0x00], lossy: true, broadcast: true, conns: [9]),
            .left(conn: 1, how: .dropped),
        ]))
        #expect(bytes == [
            2, 0, 0, 0, 2, 0x61, 0x62,
            2, 0, 0, 0, 0, 0, 0, 0, 5,
            6, 3, 0, 0, 0, 2, 0x81, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9,
            5, 0, 0, 0, 0, 0, 0, 0, 1, 1,
        ])
    }

    @Test func socketStatsSayWhetherThereIsARoundTrip() throws {
        let bytes = RelayCodec.encode(RelayEnvelope(from: "", messages: [.socketStats(conn: 2, rttMicroseconds: nil, droppedLossy: 3)]))
        #expect(Array(bytes[5...]) == [8, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3])
        var bad = bytes
        bad[14] = 2
        #expect(throws: RelayCodecError.self) { try RelayCodec.decode(bad) }
    }

    /// The deadline is the join's last field, a big-endian signed 64-bit Unix millisecond.
    @Test func aJoinEndsWithLastSeqThenItsDeadline() {
        let bytes = RelayCodec.encode(RelayEnvelope(from: "", messages: [
            .join(RelayJoin(conn: 3, room: "r", identity: "i", canPublishData: false, canSubscribe: false, lastSeq: 9, deadlineMilliseconds: 0x0102_0304_0506_0708)),
        ]))
        #expect(bytes == [
            2, 0, 0, 0, 0,
            1, 0, 0, 0, 0, 0, 0, 0, 3,
            0, 0, 0, 1, 0x72, 0, 0, 0, 1, 0x69, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0,
            0,
            0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 9,
            1, 2, 3, 4, 5, 6, 7, 8,
        ])
        let late = RelayCodec.encode(RelayEnvelope(from: "", messages: [.join(RelayJoin(conn: 3, room: "r", identity: "i", deadlineMilliseconds: -2))]))
        #expect(late.suffix(8) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE])
    }

    /// The room's node admits a join strictly before its deadline; at or after it the edge
    /// may already have answered 503.
    @Test func aJoinIsLateFromItsDeadlineOn() {
        let j = RelayJoin(conn: 1, room: "r", identity: "i", deadlineMilliseconds: 10_000)
        #expect(j.lateness(atWallMilliseconds: 0) == nil)
        #expect(j.lateness(atWallMilliseconds: 9_999) == nil)
        #expect(j.lateness(atWallMilliseconds: 10_000) == 0)
        #expect(j.lateness(atWallMilliseconds: 12_345) == 2_345)
        // Any deadline a peer sends is answered, none traps.
        #expect(RelayJoin(conn: 1, room: "r", identity: "i", deadlineMilliseconds: .min).lateness(atWallMilliseconds: 1) == .max)
        #expect(RelayJoin(conn: 1, room: "r", identity: "i", deadlineMilliseconds: -5).lateness(atWallMilliseconds: -5) == 0)
        // No deadline: never late.
        #expect(RelayJoin(conn: 1, room: "r", identity: "i").lateness(atWallMilliseconds: .max - 1) == nil)
    }

    @Test func anEmptyEnvelopeIsJustItsHeader() throws {
        var w = RelayCodec.Writer(from: "node-b")
        #expect(w.isEmpty)
        #expect(try RelayCodec.decode(w.bytes) == RelayEnvelope(from: "node-b", messages: []))
        w.append(.accepted(conn: 1))
        #expect(!w.isEmpty)
    }

    @Test func theWriterFromBuffersMatchesTheMessages() {
        var direct = RelayCodec.Writer(from: "e")
        let payload: [UInt8] = [0, 1, 2, 255]
        payload.withUnsafeBytes {
            direct.client(conn: 4, binary: true, payload: $0)
            direct.deliver(frame: $0, lossy: false, broadcast: true, conns: [1, 2])
        }
        var viaMessages = RelayCodec.Writer(from: "e")
        viaMessages.append(.client(conn: 4, binary: true, payload: payload))
        viaMessages.append(.deliver(frame: payload, lossy: false, broadcast: true, conns: [1, 2]))
        #expect(direct.bytes == viaMessages.bytes)
    }

    @Test func everyTruncationIsRefusedNeverMisread() {
        let bytes = RelayCodec.encode(RelayEnvelope(from: "node-a", messages: Self.everything))
        // Cut anywhere inside a message: an error (cuts between messages decode fewer messages).
        var boundaries: Set<Int> = []
        var w = RelayCodec.Writer(from: "node-a")
        boundaries.insert(w.count)
        for m in Self.everything {
            w.append(m)
            boundaries.insert(w.count)
        }
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[..<cut])
            if boundaries.contains(cut) {
                #expect((try? RelayCodec.decode(prefix)) != nil, "cut at \(cut)")
            } else {
                #expect(throws: RelayCodecError.self, "cut at \(cut)") { try RelayCodec.decode(prefix) }
            }
        }
    }

    @Test func badInputGetsItsReason() {
        // Version 1 (joins without a deadline) and any other: refused, never misread.
        #expect(throws: RelayCodecError.badVersion) { try RelayCodec.decode([1, 0, 0, 0, 0]) }
        #expect(throws: RelayCodecError.badVersion) { try RelayCodec.decode([3, 0, 0, 0, 0]) }
        #expect(throws: RelayCodecError.truncated) { try RelayCodec.decode([]) }
        #expect(throws: RelayCodecError.badTag) { try RelayCodec.decode([2, 0, 0, 0, 0, 99]) }
        // A length far beyond the payload is refused before anything is allocated.
        #expect(throws: RelayCodecError.truncated) { try RelayCodec.decode([2, 0, 0, 0, 0, 6, 0, 0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: RelayCodecError.truncated) { try RelayCodec.decode([2, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]) }
        // Flags and enum values outside their range.
        #expect(throws: RelayCodecError.badValue) { try RelayCodec.decode([2, 0, 0, 0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: RelayCodecError.badValue) { try RelayCodec.decode([2, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 3]) }
        #expect(throws: RelayCodecError.badValue) { try RelayCodec.decode([2, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0]) }
        // A sender that is not UTF-8.
        #expect(throws: RelayCodecError.badValue) { try RelayCodec.decode([2, 0, 0, 0, 1, 0xFF]) }
        // The size limit.
        let big = RelayCodec.encode(RelayEnvelope(from: "a", messages: [.client(conn: 1, binary: true, payload: Array(repeating: 7, count: 1000))]))
        #expect(throws: RelayCodecError.tooLarge) { try RelayCodec.decode(big, maxBytes: 999) }
        #expect((try? RelayCodec.decode(big, maxBytes: big.count)) != nil)
    }

    @Test func relayChannelsAreNamedByNode() {
        #expect(ClusterKeys.relayChannel("node-a") == "wavedefect:relay:node-a")
    }
}
