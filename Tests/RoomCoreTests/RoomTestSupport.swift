import ByteStorage
import NumericCore
import Testing
import WireJSON
import WireProtocol

@testable import RoomCore

// MARK: - Frames

/// One server frame taken apart: opcode and unmasked payload.
struct DecodedFrame {
    let opcode: UInt8
    let payload: [UInt8]

    /// The JSON of a text frame (nil for a binary frame or invalid JSON).
    var json: JSONValue? {
        guard opcode == 0x1 else { return nil }
        return try? JSONParser.parse(payload)
    }

    var type: String? { json?["type"]?.stringValue }
}

/// Takes apart one complete, unmasked, final server frame. Records an issue (and returns an
/// empty frame) when the header is not what a server frame must be.
func decodeFrame(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> DecodedFrame {
    guard bytes.count >= 2 else {
        Issue.record("frame shorter than a header: \(bytes.count) bytes", sourceLocation: sourceLocation)
        return DecodedFrame(opcode: 0xFF, payload: [])
    }
    #expect(bytes[0] & 0x80 != 0, "FIN bit not set", sourceLocation: sourceLocation)
    #expect(bytes[0] & 0x70 == 0, "RSV bits set", sourceLocation: sourceLocation)
    #expect(bytes[1] & 0x80 == 0, "server frame must not be masked", sourceLocation: sourceLocation)
    let code = Int(bytes[1] & 0x7F)
    let headerLength: Int
    let length: Int
    switch code {
    case ..<126:
        headerLength = 2
        length = code
    case 126:
        headerLength = 4
        length = bytes.count >= 4 ? Int(bytes[2]) << 8 | Int(bytes[3]) : -1
    default:
        headerLength = 10
        length = bytes.count >= 10 ? bytes[2..<10].reduce(0) { $0 << 8 | Int($1) } : -1
    }
    #expect(bytes.count == headerLength + length, "frame length \(bytes.count) != header \(headerLength) + payload \(length)", sourceLocation: sourceLocation)
    guard bytes.count >= headerLength else { return DecodedFrame(opcode: bytes[0] & 0x0F, payload: []) }
    return DecodedFrame(opcode: bytes[0] & 0x0F, payload: Array(bytes[headerLength...]))
}

/// The frames of a buffer that holds one or more complete server frames back to back.
func splitFrames(_ bytes: [UInt8]) -> [[UInt8]] {
    var frames: [[UInt8]] = []
    var i = 0
    while bytes.count - i >= 2 {
        let length7 = Int(bytes[i + 1] & 0x7F)
        let header = length7 < 126 ? 2 : (length7 == 126 ? 4 : 10)
        guard bytes.count - i >= header else { break }
        let length = length7 < 126 ? length7 : bytes[(i + 2)..<(i + header)].reduce(0) { $0 << 8 | Int($1) }
        let end = min(bytes.count, i + header + length)
        frames.append(Array(bytes[i..<end]))
        i = end
    }
    if i < bytes.count || frames.isEmpty { frames.append(Array(bytes[i...])) }  // decodeFrame reports it
    return frames
}

/// The JSON of a text frame held in a `SharedBytes`.
func json(of frame: SharedBytes, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue? {
    decodeFrame(Array(frame.bytes), sourceLocation: sourceLocation).json
}

extension JSONValue {
    var intValue: Int64? { int64Value }
    var array: [JSONValue] { arrayValue ?? [] }
}

// MARK: - Endpoint double

/// The I/O boundary: records every frame delivered and every disconnect.
final class RecordingEndpoint: RoomEndpoint {
    let label: String
    private(set) var frames: [(frame: DecodedFrame, lossy: Bool)] = []
    private(set) var disconnects: [(code: UInt16, reason: String)] = []

    init(_ label: String) {
        self.label = label
    }

    /// Deliveries: one per `deliver` call, however many frames its buffer holds.
    private(set) var deliveries = 0

    /// A buffer may hold several frames back to back (a presence batch): each is recorded.
    func deliver(_ frame: SharedBytes, lossy: Bool, broadcast: Bool) {
        deliveries += 1
        for f in splitFrames(Array(frame.bytes)) { frames.append((decodeFrame(f), lossy)) }
    }

    func disconnect(code: UInt16, reason: String) {
        disconnects.append((code, reason))
    }

    func clear() {
        frames.removeAll()
        disconnects.removeAll()
        deliveries = 0
    }

    /// Parsed text messages, in delivery order.
    var messages: [JSONValue] { frames.compactMap { $0.frame.json } }
    var types: [String] { frames.map { $0.frame.type ?? ($0.frame.opcode == 0x2 ? "<binary>" : "<?>") } }
    func messages(ofType type: String) -> [JSONValue] { messages.filter { $0["type"]?.stringValue == type } }
    var dataMessages: [JSONValue] { messages(ofType: "data") }
    var dataSeqs: [Int64] { dataMessages.compactMap { $0["seq"]?.int64Value } }
    var disconnectCodes: [UInt16] { disconnects.map(\.code) }
}

// MARK: - Deterministic ids

/// A seeded generator so ids are reproducible.
typealias SeededGenerator = SplitMix64

// MARK: - Clock

/// A fixed origin; tests move time by building instants from it, never from the wall clock.
let origin = RoomInstant(monotonic: 5_000_000_000_000, wallMilliseconds: 1_795_307_523_442)

extension RoomInstant {
    /// Both clocks moved by `seconds` (monotonic never backwards).
    func adding(seconds: Double) -> RoomInstant {
        RoomInstant(monotonic: deadline(after: seconds), wallMilliseconds: wallMilliseconds + Int64(seconds * 1000))
    }

    func plus(_ seconds: Double) -> RoomInstant { adding(seconds: seconds) }
    /// One nanosecond earlier (for "not yet" checks at exact deadlines).
    var justBefore: RoomInstant { RoomInstant(monotonic: monotonic - 1, wallMilliseconds: wallMilliseconds) }
}

// MARK: - Harness

/// A room plus the endpoints and webhooks its actions reach. Every call applies the actions
/// the way the I/O layer does: `send` to the participant's current endpoint, `broadcast` to
/// every recipient (`Recipients` already leaves the sender out), `disconnect` to the named endpoint, webhooks recorded.
final class RoomHarness {
    let room: Room
    var now: RoomInstant
    private(set) var webhooks: [WebhookEvent] = []
    private var sidCounter = 0

    init(configuration: RoomConfiguration = RoomConfiguration(), now: RoomInstant = origin) {
        self.room = Room(name: "lab", sid: "RM_test", configuration: configuration, now: now)
        self.now = now
    }

    func advance(_ seconds: Double) {
        now = now.plus(seconds)
    }

    /// While true, `apply` leaves presence queued, as several events of one loop turn do
    /// (`inOneTurn`); otherwise every call ends the turn.
    private var turnOpen = false
    /// `sendPresence` budget per turn end, as the server's `presence_deliveries_per_turn`.
    var presenceBudget = Int.max

    @discardableResult
    func apply(_ actions: [RoomAction]) -> [RoomAction] {
        RoomHarness.perform(actions, endingTurn: false) { webhooks.append($0) }
        if !turnOpen { endTurn() }
        return actions
    }

    /// Runs `body` as one loop turn: presence its events queue goes out once, at its end.
    func inOneTurn(_ body: () -> Void) {
        turnOpen = true
        body()
        turnOpen = false
        endTurn()
    }

    /// The end of a loop turn as the server carries it out: presence handed out within the
    /// budget. Returns whether some remains for the next turn.
    @discardableResult
    func endTurn() -> Bool {
        let (actions, _, more) = room.sendPresence(budget: presenceBudget)
        RoomHarness.perform(actions, endingTurn: false) { webhooks.append($0) }
        return more
    }

    /// Carries out `actions`; `endingTurn`: then, as at the end of a loop turn, the presence
    /// rooms queued is handed out in full.
    static func perform(_ actions: [RoomAction], endingTurn: Bool = true, webhook: (WebhookEvent) -> Void) {
        var pending: [Room] = []
        for action in actions {
            switch action {
            case .send(let frame, let participant):
                participant.endpoint?.deliver(frame, lossy: false, broadcast: false)
            case .broadcast(let frame, let recipients, let lossy):
                for p in recipients {
                    p.endpoint?.deliver(frame, lossy: lossy, broadcast: true)
                }
            case .disconnect(let endpoint, let code, let reason):
                endpoint.disconnect(code: code, reason: reason)
            case .webhook(let event):
                webhook(event)
            case .presencePending(let room):
                pending.append(room)
            }
        }
        guard endingTurn else { return }
        for room in pending {
            perform(room.sendPresence(budget: .max).actions, webhook: webhook)
        }
    }

    func makeParticipant(
        _ identity: String, kind: ParticipantInfo.Kind = .standard, permissions: Participant.Permissions = .init(),
        name: String? = nil, attributes: [String: String] = [:]
    ) -> Participant {
        sidCounter += 1
        let info = ParticipantInfo(
            sid: "PA_\(identity)_\(sidCounter)", identity: identity, name: name ?? (identity.prefix(1).uppercased() + identity.dropFirst()), metadata: "",
            attributes: attributes, kind: kind, joinedAtMilliseconds: now.wallMilliseconds
        )
        return Participant(info: info, permissions: permissions, resumeToken: "RT_\(identity)_\(sidCounter)")
    }

    /// Joins a new participant on a new endpoint and applies the actions.
    @discardableResult
    func join(
        _ identity: String, kind: ParticipantInfo.Kind = .standard, permissions: Participant.Permissions = .init(),
        attributes: [String: String] = [:]
    ) -> (participant: Participant, endpoint: RecordingEndpoint) {
        let p = makeParticipant(identity, kind: kind, permissions: permissions, attributes: attributes)
        let e = RecordingEndpoint(identity)
        apply(room.join(p, endpoint: e, now: now))
        return (p, e)
    }

    /// The participant's connection drops without a close frame.
    func drop(_ participant: Participant) {
        guard let e = participant.endpoint else {
            Issue.record("\(participant.identity) has no endpoint to drop")
            return
        }
        apply(room.endpointClosed(participant, endpoint: e, clean: false, now: now))
    }

    @discardableResult
    func resume(_ participant: Participant, lastSeq: UInt64) -> RecordingEndpoint {
        let e = RecordingEndpoint(participant.identity + "-resumed")
        apply(room.resume(participant, lastSeq: lastSeq, endpoint: e, now: now))
        return e
    }

    func tick() -> Bool {
        let (actions, shouldClose) = room.tick(now: now)
        apply(actions)
        return shouldClose
    }

    /// Publishes JSON text (which must be valid JSON) and applies the actions.
    func publish(
        _ topic: String, _ payload: String = "{}", from sender: Participant?, reliable: Bool? = nil,
        destinations: [String]? = nil, limits: DataLimits = DataLimits()
    ) -> Result<[RoomAction], ProtocolError> {
        let result = Array(payload.utf8).withUnsafeBytes { buf -> Result<[RoomAction], ProtocolError> in
            let publication = Room.Publication(topic: topic, reliable: reliable, destinations: destinations, body: .json(buf))
            do throws(ProtocolError) {
                return .success(try room.publish(publication, from: sender, limits: limits, now: now))
            } catch {
                return .failure(error)
            }
        }
        if case .success(let actions) = result { apply(actions) }
        return result
    }

    func publishBinary(_ topic: String, _ payload: [UInt8], from sender: Participant?, limits: DataLimits = DataLimits()) -> Result<[RoomAction], ProtocolError> {
        let result = payload.withUnsafeBytes { buf -> Result<[RoomAction], ProtocolError> in
            do throws(ProtocolError) {
                return .success(try room.publish(.init(topic: topic, body: .binary(buf)), from: sender, limits: limits, now: now))
            } catch {
                return .failure(error)
            }
        }
        if case .success(let actions) = result { apply(actions) }
        return result
    }

    func webhookKinds() -> [String] { webhooks.map(\.kind.rawValue) }
    func clearWebhooks() { webhooks.removeAll() }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }

    var successValue: Success? {
        if case .success(let s) = self { return s }
        return nil
    }
}

/// An `UpdateRequest` as the wire parser builds it from a client's `update` message.
func updateRequest(_ text: String) throws -> UpdateRequest {
    let bytes = Array(text.utf8)
    let parsed = try bytes.withUnsafeBytes { buf in try ClientMessage.parse(buf) }
    guard case .update(let request) = parsed else { throw TestFailure("not an update message: \(text)") }
    return request
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Identities in a `participants` array of a `joined` message.
func identities(_ list: JSONValue?) -> [String] {
    (list?.arrayValue ?? []).compactMap { $0["identity"]?.stringValue }
}
