/// A node-to-node message of "connect anywhere" (docs/cluster.md#connect-anywhere): the node a
/// client reached (its **edge**) and the node its room lives on (the **room's node**) talk in
/// these, through Redis pub/sub, each node listening on `ClusterKeys.relayChannel(itsID)`.
///
/// A connection is named by the edge's id and a number the edge gave it (`conn`); the room's
/// node keeps a participant for it whose endpoint stands for "connection `conn` on node E".
public enum RelayMessage: Sendable, Equatable {
    /// Edge → room's node: a client whose token the edge verified asks to join (or resume).
    /// Nothing is upgraded yet: the room's node answers `accepted` or `refused`.
    case join(RelayJoin)
    /// Room's node → edge: the join (or resume) is in; upgrade the socket, then deliver what
    /// follows (`joined` first).
    case accepted(conn: UInt64)
    /// Room's node → edge: the join is refused; answer the client's upgrade with this HTTP
    /// status and reason, as a one-node server would.
    case refused(conn: UInt64, status: UInt16, reason: String)
    /// Edge → room's node: one WebSocket message from the client, as it arrived.
    case client(conn: UInt64, binary: Bool, payload: [UInt8])
    /// Edge → room's node: the client's socket is gone (`how`), or was cut off by the edge.
    case left(conn: UInt64, how: RelayLeave)
    /// Room's node → edge: one encoded frame for every listed connection of that edge, in
    /// order with everything else sent to them. Sent once per edge however many recipients.
    case deliver(frame: [UInt8], lossy: Bool, broadcast: Bool, conns: [UInt64])
    /// Room's node → edge: close the connection with this WebSocket close code and reason.
    case close(conn: UInt64, code: UInt16, reason: String)
    /// Edge → room's node: what the edge measured on the client's socket — the last ping's
    /// round trip (nil before the first pong) and lossy frames it dropped for backpressure —
    /// sent with every pong, so the room's node answers `metrics` as a single node would.
    case socketStats(conn: UInt64, rttMicroseconds: UInt64?, droppedLossy: UInt64)
}

/// How a relayed client's connection ended, seen from its edge.
public enum RelayLeave: UInt8, Sendable, Equatable {
    /// The client sent a close frame: it left.
    case clean = 0
    /// The socket dropped without a close handshake: the participant may resume.
    case dropped = 1
    /// The edge cut the client off because it did not read (close code 4003 already sent).
    case slowConsumer = 2
}

/// What an edge learned from a verified access token, all the room's node needs to run the
/// participant as if the client had connected to it.
public struct RelayJoin: Sendable, Equatable {
    public var conn: UInt64
    public var room: String
    public var identity: String
    public var name: String
    public var metadata: String
    public var attributes: [String: String]
    public var isAgent: Bool
    public var canPublishData: Bool
    public var canSubscribe: Bool
    public var canUpdateOwnMetadata: Bool
    public var hidden: Bool
    public var roomAdmin: Bool
    /// LiveKit's `roomConfig.agents` (name, metadata): run when this join creates the room.
    public var roomAgents: [RoomAgent]
    /// `resume` and `last_seq` from the URL: a resume when the token names a participant the
    /// room's node can resume, else an ordinary join (as on one node).
    public var resumeToken: String?
    public var lastSeq: UInt64
    /// Unix milliseconds after which the edge no longer waits (its join start plus
    /// `relay_join_timeout`): it has answered the client 503, so the room's node must not
    /// admit the join (docs/cluster.md#relay-join-deadline). Wall clock, because the two nodes
    /// share no other clock: it assumes their clocks agree to well within the timeout.
    /// `Int64.max`: no deadline.
    public var deadlineMilliseconds: Int64

    public struct RoomAgent: Sendable, Equatable {
        public var agentName: String
        public var metadata: String

        public init(agentName: String, metadata: String) {
            self.agentName = agentName
            self.metadata = metadata
        }
    }

    public init(
        conn: UInt64, room: String, identity: String, name: String = "", metadata: String = "", attributes: [String: String] = [:],
        isAgent: Bool = false, canPublishData: Bool = true, canSubscribe: Bool = true, canUpdateOwnMetadata: Bool = false,
        hidden: Bool = false, roomAdmin: Bool = false, roomAgents: [RoomAgent] = [], resumeToken: String? = nil, lastSeq: UInt64 = 0,
        deadlineMilliseconds: Int64 = .max
    ) {
        self.conn = conn
        self.room = room
        self.identity = identity
        self.name = name
        self.metadata = metadata
        self.attributes = attributes
        self.isAgent = isAgent
        self.canPublishData = canPublishData
        self.canSubscribe = canSubscribe
        self.canUpdateOwnMetadata = canUpdateOwnMetadata
        self.hidden = hidden
        self.roomAdmin = roomAdmin
        self.roomAgents = roomAgents
        self.resumeToken = resumeToken
        self.lastSeq = lastSeq
        self.deadlineMilliseconds = deadlineMilliseconds
    }

    /// How many milliseconds past its deadline the join is at `now` (Unix ms), or nil while
    /// the edge still waits for it. At the deadline itself the edge's timer may already have
    /// fired, so that instant counts as late. Saturates: a deadline from a peer is any 64-bit
    /// value, and no value may trap.
    public func lateness(atWallMilliseconds now: Int64) -> Int64? {
        guard now >= deadlineMilliseconds else { return nil }
        let (late, overflow) = now.subtractingReportingOverflow(deadlineMilliseconds)
        return overflow ? .max : late
    }
}

/// One pub/sub payload: the node it comes from (where answers go) and its messages in order.
/// A node sends at most one a loop turn per peer node, so a broadcast to many connections of
/// one edge is one PUBLISH.
public struct RelayEnvelope: Sendable, Equatable {
    public var from: String
    public var messages: [RelayMessage]

    public init(from: String, messages: [RelayMessage]) {
        self.from = from
        self.messages = messages
    }
}
