/// All rooms of a server: creation on first join (if allowed), definitions from `rooms/`,
/// timeouts, deletion. Pure like `Room`: the clock comes in with each call.
public final class RoomRegistry {
    /// Configurations by room name, from the definition files.
    public var definitions: [String: RoomConfiguration]
    /// Configuration of rooms created on the fly that have no definition.
    public var defaultConfiguration: RoomConfiguration
    /// Whether joining a room that does not exist creates it.
    public var autoCreate: Bool
    public private(set) var rooms: [String: Room] = [:]
    private var ids: IDGenerator

    public init(definitions: [String: RoomConfiguration] = [:], defaultConfiguration: RoomConfiguration = RoomConfiguration(), autoCreate: Bool = true, ids: IDGenerator = IDGenerator()) {
        self.definitions = definitions
        self.defaultConfiguration = defaultConfiguration
        self.autoCreate = autoCreate
        self.ids = ids
    }

    /// Identities travel in every envelope, and as a 1-byte length in binary frames.
    public static let maxIdentityBytes = 255

    public func room(named name: String) -> Room? {
        rooms[name]
    }

    public var sortedRooms: [Room] {
        rooms.values.sorted { $0.createdAt.monotonic < $1.createdAt.monotonic }
    }

    /// Creates a room (or returns the existing one). `overrides` adjusts the configuration,
    /// as the admin API's CreateRoom does.
    public func create(_ name: String, now: RoomInstant, overrides: (inout RoomConfiguration) -> Void = { _ in }) -> (room: Room, actions: [RoomAction], created: Bool) {
        if let existing = rooms[name] { return (existing, [], false) }
        var configuration = definitions[name] ?? defaultConfiguration
        overrides(&configuration)
        let room = Room(name: name, sid: ids.make(prefix: "RM_"), configuration: configuration, now: now)
        rooms[name] = room
        return (room, [room.webhook(.roomStarted, nil, now: now)], true)
    }

    /// Whether a participant could join `name` now, without creating anything.
    public func checkAdmission(_ name: String, identity: String, isAgent: Bool) throws(JoinRefusal) {
        guard RoomName.isValid(name) else { throw .invalidRoomName }
        guard identity.utf8.count <= Self.maxIdentityBytes else { throw .identityTooLong }
        if let existing = rooms[name], !existing.isClosed {
            guard existing.admits(identity: identity, isAgent: isAgent) else { throw .roomFull(name) }
        } else {
            guard autoCreate || definitions[name] != nil else { throw .roomNotFound(name) }
        }
    }

    /// The room a participant may join now, created if needed and allowed.
    public func roomForJoin(_ name: String, identity: String, isAgent: Bool, now: RoomInstant) throws(JoinRefusal) -> (room: Room, actions: [RoomAction]) {
        try checkAdmission(name, identity: identity, isAgent: isAgent)
        let made = create(name, now: now)
        return (made.room, made.actions)
    }

    public func makeParticipantSID() -> String { ids.make(prefix: "PA_") }
    /// 15 random characters (89 bits): unguessable, and short enough for Swift to keep
    /// inline in the participant rather than on the heap.
    public func makeResumeToken() -> String { ids.make(prefix: "", length: 15) }

    /// Expires suspended participants and closes rooms whose time is up.
    public func tick(now: RoomInstant) -> [RoomAction] {
        // Most ticks change nothing: only rooms with something to do are put in creation
        // order (so actions come out in a stable order), not every room every second.
        var busy: [(room: Room, actions: [RoomAction], close: Bool)] = []
        for room in rooms.values {
            let (roomActions, shouldClose) = room.tick(now: now)
            if shouldClose || !roomActions.isEmpty { busy.append((room, roomActions, shouldClose)) }
        }
        guard !busy.isEmpty else { return [] }
        busy.sort { $0.room.createdAt.monotonic < $1.room.createdAt.monotonic }
        var actions: [RoomAction] = []
        for (room, roomActions, shouldClose) in busy {
            actions += roomActions
            if shouldClose {
                actions += room.close(reason: "room closed: nobody left", now: now)
                rooms[room.name] = nil
            }
        }
        return actions
    }

    /// Deletes a room, disconnecting everyone in it.
    public func delete(_ name: String, now: RoomInstant) -> [RoomAction]? {
        guard let room = rooms.removeValue(forKey: name) else { return nil }
        return room.close(reason: "room deleted", now: now)
    }

    /// Closes every room (server shutdown): connections get `code` (1001).
    public func closeAll(code: UInt16, reason: String, now: RoomInstant) -> [RoomAction] {
        var actions: [RoomAction] = []
        for room in sortedRooms {
            actions += room.close(code: code, reason: reason, now: now)
        }
        rooms.removeAll()
        return actions
    }
}

/// Random identifiers in LiveKit's style (`RM_…`, `PA_…`). Deterministic when seeded, for tests.
public struct IDGenerator {
    private var generator: any RandomNumberGenerator
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    public init(generator: any RandomNumberGenerator = SystemRandomNumberGenerator()) {
        self.generator = generator
    }

    public mutating func make(prefix: String, length: Int = 12) -> String {
        var s = prefix
        for _ in 0..<length {
            s.append(Self.alphabet[Int(generator.next() % UInt64(Self.alphabet.count))])
        }
        return s
    }
}
