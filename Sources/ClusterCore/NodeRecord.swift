import WireJSON

/// A node's registration and load, as other nodes read it (field names from LiveKit's `Node`
/// and `NodeStats`): the less loaded of two nodes is the one serving, then with fewer
/// clients, then fewer rooms, then less CPU.
public struct NodeRecord: Sendable, Equatable {
    public var id: String
    /// LiveKit's `NodeState`: SERVING, or SHUTTING_DOWN once the node drains.
    public var state: String
    public var numRooms: Int
    public var numClients: Int
    /// Share of one CPU the process used since the last renewal (1.0: one core busy).
    public var cpuLoad: Double
    public var numCPUs: Int
    /// Seconds since the Unix epoch.
    public var startedAt: Int64
    public var updatedAt: Int64
    public var version: String

    public init(
        id: String, state: String = "SERVING", numRooms: Int = 0, numClients: Int = 0, cpuLoad: Double = 0, numCPUs: Int = 1, startedAt: Int64 = 0,
        updatedAt: Int64 = 0, version: String = ""
    ) {
        self.id = id
        self.state = state
        self.numRooms = numRooms
        self.numClients = numClients
        self.cpuLoad = cpuLoad
        self.numCPUs = numCPUs
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.version = version
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(id)
        w.key("state"); w.string(state)
        w.key("num_rooms"); w.int(numRooms)
        w.key("num_clients"); w.int(numClients)
        w.key("cpu_load"); w.double((cpuLoad * 1000).rounded() / 1000)
        w.key("num_cpus"); w.int(numCPUs)
        w.key("started_at"); w.int(startedAt)
        w.key("updated_at"); w.int(updatedAt)
        w.key("version"); w.string(version)
        w.endObject()
    }

    public var json: [UInt8] {
        var w = JSONWriter()
        write(to: &w)
        return w.bytes
    }

    /// Reads a record another node wrote; nil when it is not one (a key written by something else).
    public init?(json bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes), let o = value.objectValue, let id = o["id"]?.stringValue else { return nil }
        self.init(
            id: id, state: o["state"]?.stringValue ?? "SERVING", numRooms: Int(o["num_rooms"]?.int64Value ?? 0), numClients: Int(o["num_clients"]?.int64Value ?? 0),
            cpuLoad: o["cpu_load"]?.doubleValue ?? 0, numCPUs: Int(o["num_cpus"]?.int64Value ?? 1), startedAt: o["started_at"]?.int64Value ?? 0,
            updatedAt: o["updated_at"]?.int64Value ?? 0, version: o["version"]?.stringValue ?? "")
    }

    /// Whether new work should rather go to this node than to `other`: serving before shutting
    /// down, then fewer clients, fewer rooms, less CPU. Equal loads: false both ways (the
    /// caller breaks the tie). Agent dispatch uses it between workers of equal load on
    /// different nodes (`WorkerRecord.candidates`), as LiveKit weighs a node's load.
    public func isLessLoaded(than other: NodeRecord) -> Bool {
        (state == "SERVING" ? 0 : 1, numClients, numRooms, cpuLoad) < (other.state == "SERVING" ? 0 : 1, other.numClients, other.numRooms, other.cpuLoad)
    }
}

/// CPU time of a process from `/proc/<pid>/stat`: fields 14 and 15 (utime, stime), counted
/// after the command name's closing parenthesis since the name may hold spaces.
public enum ProcessStat {
    public static func cpuTicks(_ stat: String) -> Int64? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ")": state is field 3, so utime (14) and stime (15) are at 11 and 12.
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return nil }
        return user + system
    }
}
