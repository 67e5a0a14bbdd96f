/// The bytes of a `RelayEnvelope` (docs/cluster.md#relay-envelope). Redis pub/sub payloads
/// are binary safe, so frames and client messages travel as they are, with no escaping:
///
///     envelope := version(u8 = 2) from(str) message*        (messages run to the end)
///     str      := length(u32) UTF-8 bytes                    bytes := length(u32) bytes
///     message  := tag(u8) fields
///       1 join      conn(u64) room identity name metadata (str) attributes(u32 n, n × str str)
///                   flags(u8: agent 1, publish 2, subscribe 4, update metadata 8, hidden 16,
///                   admin 32, resume 64) agents(u32 n, n × str str) [resume token(str)] last_seq(u64)
///                   deadline(i64, Unix ms)
///       2 accepted  conn(u64)
///       3 refused   conn(u64) status(u16) reason(str)
///       4 client    conn(u64) binary(u8) payload(bytes)
///       5 left      conn(u64) how(u8)
///       6 deliver   flags(u8: lossy 1, broadcast 2) frame(bytes) conns(u32 n, n × u64)
///       7 close     conn(u64) code(u16) reason(str)
///       8 socket    conn(u64) has_rtt(u8) rtt_us(u64) dropped_lossy(u64)
///
/// Integers are big-endian. Version 2 added the join's deadline: a node of another version
/// drops the envelope as unreadable (`badVersion`) rather than misreading it. Decoding never trusts a length: each is checked against what is
/// left before anything is allocated.
public enum RelayCodec {
    public static let version: UInt8 = 2

    /// Appends messages to an envelope under construction; `bytes` is the payload to PUBLISH.
    public struct Writer: Sendable {
        public private(set) var bytes: [UInt8]
        /// Bytes of the header (version and sender) alone.
        private let headerCount: Int

        public init(from nodeID: String, reservingCapacity capacity: Int = 256) {
            bytes = []
            bytes.reserveCapacity(max(capacity, 5 + nodeID.utf8.count))
            bytes.append(RelayCodec.version)
            headerCount = 5 + nodeID.utf8.count
            string(nodeID)
        }

        /// No message appended yet.
        public var isEmpty: Bool { bytes.count == headerCount }
        public var count: Int { bytes.count }

        public mutating func append(_ message: RelayMessage) {
            switch message {
            case .join(let j):
                bytes.append(1)
                u64(j.conn)
                for s in [j.room, j.identity, j.name, j.metadata] { string(s) }
                u32(j.attributes.count)
                for (k, v) in j.attributes.sorted(by: { $0.key < $1.key }) {
                    string(k)
                    string(v)
                }
                var flags: UInt8 = 0
                for (bit, on) in [(1, j.isAgent), (2, j.canPublishData), (4, j.canSubscribe), (8, j.canUpdateOwnMetadata), (16, j.hidden), (32, j.roomAdmin), (64, j.resumeToken != nil)]
                where on { flags |= UInt8(bit) }
                bytes.append(flags)
                u32(j.roomAgents.count)
                for a in j.roomAgents {
                    string(a.agentName)
                    string(a.metadata)
                }
                if let token = j.resumeToken { string(token) }
                u64(j.lastSeq)
                u64(UInt64(bitPattern: j.deadlineMilliseconds))
            case .accepted(let conn):
                bytes.append(2)
                u64(conn)
            case .refused(let conn, let status, let reason):
                bytes.append(3)
                u64(conn)
                u16(status)
                string(reason)
            case .client(let conn, let binary, let payload):
                payload.withUnsafeBytes { client(conn: conn, binary: binary, payload: $0) }
            case .left(let conn, let how):
                bytes.append(5)
                u64(conn)
                bytes.append(how.rawValue)
            case .deliver(let frame, let lossy, let broadcast, let conns):
                frame.withUnsafeBytes { deliver(frame: $0, lossy: lossy, broadcast: broadcast, conns: conns) }
            case .close(let conn, let code, let reason):
                bytes.append(7)
                u64(conn)
                u16(code)
                string(reason)
            case .socketStats(let conn, let rtt, let dropped):
                bytes.append(8)
                u64(conn)
                bytes.append(rtt == nil ? 0 : 1)
                u64(rtt ?? 0)
                u64(dropped)
            }
        }

        /// `client` straight from the socket's read buffer (one copy: into the envelope).
        public mutating func client(conn: UInt64, binary: Bool, payload: UnsafeRawBufferPointer) {
            bytes.append(4)
            u64(conn)
            bytes.append(binary ? 1 : 0)
            u32(payload.count)
            bytes.append(contentsOf: payload)
        }

        /// `deliver` straight from a shared frame (one copy: into the envelope).
        public mutating func deliver(frame: UnsafeRawBufferPointer, lossy: Bool, broadcast: Bool, conns: [UInt64]) {
            bytes.append(6)
            bytes.append((lossy ? 1 : 0) | (broadcast ? 2 : 0))
            u32(frame.count)
            bytes.append(contentsOf: frame)
            u32(conns.count)
            for c in conns { u64(c) }
        }

        private mutating func string(_ s: String) {
            u32(s.utf8.count)
            bytes.append(contentsOf: s.utf8)
        }

        private mutating func u16(_ v: UInt16) {
            bytes.append(UInt8(v >> 8))
            bytes.append(UInt8(v & 0xFF))
        }

        private mutating func u32(_ v: Int) {
            let v = UInt32(truncatingIfNeeded: v)
            for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
        }

        private mutating func u64(_ v: UInt64) {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
        }
    }

    public static func encode(_ envelope: RelayEnvelope) -> [UInt8] {
        var w = Writer(from: envelope.from)
        for m in envelope.messages { w.append(m) }
        return w.bytes
    }

    /// Reads a payload; `maxBytes` is `cluster.relay_max_message_bytes` (a larger payload is
    /// refused before it is read).
    public static func decode(_ bytes: [UInt8], maxBytes: Int = .max) throws(RelayCodecError) -> RelayEnvelope {
        guard bytes.count <= maxBytes else { throw RelayCodecError(.tooLarge, "\(bytes.count) bytes, more than the limit of \(maxBytes)") }
        var r = Reader(bytes: bytes)
        guard try r.u8() == version else { throw RelayCodecError(.badVersion, "version \(bytes[0]), this node reads \(version)") }
        let from = try r.string()
        var messages: [RelayMessage] = []
        while !r.atEnd { messages.append(try r.message()) }
        return RelayEnvelope(from: from, messages: messages)
    }
}

/// A relay payload that cannot be read: truncated, of another version, too large, or with a
/// field that is not what it should be. The node that receives one logs it and drops it.
public struct RelayCodecError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: Sendable, Equatable {
        case truncated, badVersion, tooLarge, badTag, badValue
    }

    let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func == (a: RelayCodecError, b: RelayCodecError) -> Bool { a.code == b.code }

    public static let truncated = RelayCodecError(.truncated, "")
    public static let badVersion = RelayCodecError(.badVersion, "")
    public static let tooLarge = RelayCodecError(.tooLarge, "")
    public static let badTag = RelayCodecError(.badTag, "")
    public static let badValue = RelayCodecError(.badValue, "")

    public var description: String { "relay envelope: \(code): \(message)" }
}

extension RelayCodec {
    struct Reader {
        let bytes: [UInt8]
        var at = 0

        var atEnd: Bool { at == bytes.count }

        mutating func take(_ n: Int) throws(RelayCodecError) -> ArraySlice<UInt8> {
            guard n >= 0, bytes.count - at >= n else { throw RelayCodecError(.truncated, "needs \(n) bytes at \(at), \(bytes.count - at) left") }
            defer { at += n }
            return bytes[at..<at + n]
        }

        mutating func u8() throws(RelayCodecError) -> UInt8 { try take(1).first! }

        mutating func u16() throws(RelayCodecError) -> UInt16 {
            try take(2).reduce(0) { $0 << 8 | UInt16($1) }
        }

        mutating func u32() throws(RelayCodecError) -> Int {
            Int(try take(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        }

        mutating func u64() throws(RelayCodecError) -> UInt64 {
            try take(8).reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func raw() throws(RelayCodecError) -> [UInt8] {
            Array(try take(try u32()))
        }

        mutating func string() throws(RelayCodecError) -> String {
            let slice = try take(try u32())
            guard let s = String(validating: slice, as: UTF8.self) else { throw RelayCodecError(.badValue, "a string at \(at - slice.count) is not UTF-8") }
            return s
        }

        mutating func bool() throws(RelayCodecError) -> Bool {
            switch try u8() {
            case 0: false
            case 1: true
            case let b: throw RelayCodecError(.badValue, "\(b) is not a boolean at \(at - 1)")
            }
        }

        /// A count of items each at least `size` bytes long, checked against what is left.
        mutating func count(each size: Int) throws(RelayCodecError) -> Int {
            let n = try u32()
            guard n <= (bytes.count - at) / size else { throw RelayCodecError(.truncated, "\(n) items of \(size)+ bytes at \(at), \(bytes.count - at) left") }
            return n
        }

        mutating func message() throws(RelayCodecError) -> RelayMessage {
            switch try u8() {
            case 1:
                let conn = try u64()
                let room = try string(), identity = try string(), name = try string(), metadata = try string()
                var attributes: [String: String] = [:]
                for _ in 0..<(try count(each: 8)) {
                    let key = try string()
                    attributes[key] = try string()
                }
                let flags = try u8()
                guard flags < 128 else { throw RelayCodecError(.badValue, "join flags \(flags)") }
                var agents: [RelayJoin.RoomAgent] = []
                for _ in 0..<(try count(each: 8)) { agents.append(.init(agentName: try string(), metadata: try string())) }
                let token = flags & 64 != 0 ? try string() : nil
                return .join(RelayJoin(
                    conn: conn, room: room, identity: identity, name: name, metadata: metadata, attributes: attributes, isAgent: flags & 1 != 0,
                    canPublishData: flags & 2 != 0, canSubscribe: flags & 4 != 0, canUpdateOwnMetadata: flags & 8 != 0, hidden: flags & 16 != 0,
                    roomAdmin: flags & 32 != 0, roomAgents: agents, resumeToken: token, lastSeq: try u64(),
                    deadlineMilliseconds: Int64(bitPattern: try u64())))
            case 2:
                return .accepted(conn: try u64())
            case 3:
                return .refused(conn: try u64(), status: try u16(), reason: try string())
            case 4:
                return .client(conn: try u64(), binary: try bool(), payload: try raw())
            case 5:
                let conn = try u64()
                let b = try u8()
                guard let how = RelayLeave(rawValue: b) else { throw RelayCodecError(.badValue, "\(b) is not a way to leave") }
                return .left(conn: conn, how: how)
            case 6:
                let flags = try u8()
                guard flags < 4 else { throw RelayCodecError(.badValue, "deliver flags \(flags)") }
                let frame = try raw()
                var conns: [UInt64] = []
                let n = try count(each: 8)
                conns.reserveCapacity(n)
                for _ in 0..<n { conns.append(try u64()) }
                return .deliver(frame: frame, lossy: flags & 1 != 0, broadcast: flags & 2 != 0, conns: conns)
            case 7:
                return .close(conn: try u64(), code: try u16(), reason: try string())
            case 8:
                let conn = try u64()
                let hasRTT = try bool()
                let rtt = try u64()
                return .socketStats(conn: conn, rttMicroseconds: hasRTT ? rtt : nil, droppedLossy: try u64())
            case let tag:
                throw RelayCodecError(.badTag, "unknown message \(tag) at \(at - 1)")
            }
        }
    }
}
