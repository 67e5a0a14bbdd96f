import EventLoop
import Foundation
import Synchronization

/// Where connection `g` (0-based over the whole run) of `bench cluster --connections` goes:
/// its node, its room and its source address. The parent and every client process compute
/// the same answers from the same numbers, so no list of connections is passed around.
public struct ClusterConnectionsLayout: Sendable {
    /// How clients are spread over the nodes.
    public enum Placement: String, Sendable, CaseIterable {
        /// Connection `g` on node `g mod nodes`, whatever its room: what a load balancer that
        /// knows nothing of rooms does. A room's members reach every node, and those not on
        /// the room's node are relayed (docs/cluster.md#connect-anywhere-the-relay).
        case spread
        /// A room's members all on one node (room `r` on node `r mod nodes`): a router that
        /// sends each room to its node, as LiveKit's does. No relaying.
        case room
    }

    public var nodes: Int
    public var connections: Int
    /// Participants per room; 0: one room of every connection.
    public var roomSize: Int
    public var placement: Placement
    /// Source addresses 127.0.0.1 … 127.0.0.`sources`.
    public var sources: Int

    public static let oneRoom = "bench-cluster"

    public init(nodes: Int, connections: Int, roomSize: Int, placement: Placement, sources: Int) {
        self.nodes = nodes
        self.connections = connections
        self.roomSize = roomSize
        self.placement = placement
        self.sources = sources
    }

    public func node(of g: Int) -> Int {
        roomSize > 0 && placement == .room ? (g / roomSize) % nodes : g % nodes
    }

    public func room(of g: Int) -> String {
        roomSize > 0 ? "bench-idle-\(g / roomSize)" : Self.oneRoom
    }

    public func source(of g: Int) -> String? {
        sources > 1 ? "127.0.0.\(1 + g % sources)" : nil
    }

    /// Whether connection `g` is on its room's node (true), relayed to it (false), or
    /// unknown (nil: rooms spread over nodes start on whichever node's join came first).
    public func isOnRoomsNode(_ g: Int) -> Bool? {
        if roomSize == 0 { return node(of: g) == 0 }  // the publisher starts the room on node 1
        return placement == .room ? true : nil
    }
}

/// Lines read from a file descriptor (a child's stdout, or stdin) by a thread of their own,
/// taken without blocking by a loop that has other work (sockets to keep answering).
final class LineReader: @unchecked Sendable {
    private let lines = Mutex<(queue: [String], ended: Bool)>(([], false))

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    lines.withLock { $0.queue.append(line) }
                }
            }
            lines.withLock { $0.ended = true }
        }
        thread.start()
    }

    /// The next complete line, if one has arrived.
    func next() -> String? {
        lines.withLock { $0.queue.isEmpty ? nil : $0.queue.removeFirst() }
    }

    var ended: Bool { lines.withLock { $0.ended && $0.queue.isEmpty } }
}

/// The three latency distributions a client process keeps: connections on their room's
/// node, relayed ones, and those whose room's node is not known.
struct PlacedHistograms {
    var local = LatencyHistogram()
    var relayed = LatencyHistogram()
    var unknown = LatencyHistogram()

    mutating func record(_ nanoseconds: UInt64, onRoomsNode: Bool?) {
        switch onRoomsNode {
        case true?: local.record(nanoseconds)
        case false?: relayed.record(nanoseconds)
        case nil: unknown.record(nanoseconds)
        }
    }

    mutating func merge(_ other: PlacedHistograms) {
        local.merge(other.local)
        relayed.merge(other.relayed)
        unknown.merge(other.unknown)
    }

    var all: LatencyHistogram {
        var h = local
        h.merge(relayed)
        h.merge(unknown)
        return h
    }

    /// `|`-separated, after a line's leading words.
    var encoded: String { [local.encoded, relayed.encoded, unknown.encoded].joined(separator: " | ") }

    init() {}

    init?(encoded parts: [Substring]) {
        guard parts.count == 3, let l = LatencyHistogram(encoded: parts[0].trimmingCharacters(in: .whitespaces)),
              let r = LatencyHistogram(encoded: parts[1].trimmingCharacters(in: .whitespaces)),
              let u = LatencyHistogram(encoded: parts[2].trimmingCharacters(in: .whitespaces))
        else { return nil }
        local = l
        relayed = r
        unknown = u
    }
}
